-- What a server does with each certificate it loads: serves it to clients
-- (server), presents it when connecting out (client: HAProxy `server ... crt`,
-- nginx `proxy_ssl_certificate`), or keeps it to check a stapled OCSP
-- response (ocsp-issuer). role_detail says for whom, in words:
-- "backend app server s1 10.0.0.1:8443".

ALTER TABLE site ADD COLUMN role TEXT NOT NULL DEFAULT 'server';
ALTER TABLE site ADD COLUMN role_detail TEXT;
