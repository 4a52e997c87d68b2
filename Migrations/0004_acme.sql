-- The request stage: ACME accounts, orders (so an interrupted order resumes
-- or is abandoned, never duplicated blindly) and the certificates issued.
-- Key material is never stored: only the path of the 0600 key file.

CREATE TABLE acme_account (
    account_url     TEXT PRIMARY KEY,
    directory_url   TEXT NOT NULL,
    key_path        TEXT NOT NULL,
    key_thumbprint  TEXT NOT NULL,              -- RFC 7638, base64url
    contact         TEXT NOT NULL,              -- JSON array
    status          TEXT NOT NULL CHECK (status IN ('valid', 'deactivated', 'revoked')),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX acme_account_directory ON acme_account(directory_url);

CREATE TABLE acme_order (
    order_url        TEXT PRIMARY KEY,
    certificate_name TEXT NOT NULL,
    directory_url    TEXT NOT NULL,
    identifiers      TEXT NOT NULL,             -- JSON array of {type, value}
    state            TEXT NOT NULL CHECK (state IN ('pending', 'ready', 'processing', 'valid', 'invalid', 'completed', 'abandoned')),
    key_path         TEXT,                      -- pending key of an order in flight
    note             TEXT,                      -- why it is invalid / abandoned
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX acme_order_name ON acme_order(certificate_name, directory_url, state);

CREATE TABLE acme_issued (
    id                 INTEGER PRIMARY KEY,
    certificate_name   TEXT NOT NULL,
    directory_url      TEXT NOT NULL,
    order_url          TEXT NOT NULL,
    certificate_url    TEXT NOT NULL,
    identifiers        TEXT NOT NULL,           -- JSON array of {type, value}
    fingerprint_sha256 TEXT NOT NULL,           -- joins certificate.fingerprint_sha256 once scanned
    spki_sha256        TEXT NOT NULL,
    serial             TEXT NOT NULL,
    issuer_cn          TEXT,
    not_before         INTEGER NOT NULL,
    not_after          INTEGER NOT NULL,
    ari_cert_id        TEXT,                    -- RFC 9773 certID, for `replaces`
    certificate_path   TEXT,
    key_path           TEXT,
    chain_pem          TEXT NOT NULL,
    issued_at          INTEGER NOT NULL
);
CREATE INDEX acme_issued_name ON acme_issued(certificate_name, issued_at);
CREATE INDEX acme_issued_fingerprint ON acme_issued(fingerprint_sha256);
