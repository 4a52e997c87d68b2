-- The audit decides a certificate's role by use: a CA certificate paired with
-- a private key counts as a leaf unless it issued another certificate in the
-- inventory. That question looks certificates up by issuer.
CREATE INDEX certificate_issuer ON certificate(issuer);
