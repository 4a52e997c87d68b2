-- Live TLS endpoints and the web/proxy sites found in configs.
-- Certificates an endpoint sends are `location` rows with kind 'endpoint'
-- and ref = the endpoint's key (`host:port`, or `host:port sni=NAME` when
-- the SNI name differs from the host), position = index in the chain sent.

CREATE TABLE endpoint (
    id                    INTEGER PRIMARY KEY,
    ref                   TEXT NOT NULL UNIQUE,
    host                  TEXT NOT NULL,
    port                  INTEGER NOT NULL,
    sni                   TEXT NOT NULL DEFAULT '',
    starttls              TEXT NOT NULL DEFAULT 'none',   -- none, smtp, imap, pop3
    address               TEXT,                           -- the address answered last
    first_seen            INTEGER NOT NULL,
    last_probed           INTEGER NOT NULL,
    last_success          INTEGER,
    error_code            TEXT,                           -- NULL when the last probe succeeded
    error                 TEXT,
    protocol              TEXT,                           -- TLSv1.3 ...
    cipher                TEXT,
    client_certificate    TEXT,                           -- notRequested, optional, required
    client_ca_names       TEXT,                           -- JSON array
    ocsp_stapled          INTEGER,
    tls_versions          TEXT,                           -- JSON array of versions accepted
    verify_code           INTEGER,                        -- X509_V_* (0 = ok)
    verify_message        TEXT,
    hostname_matches      INTEGER,
    chain_length          INTEGER,
    last_scan_id          INTEGER
);
CREATE INDEX endpoint_host_port ON endpoint(host, port);

CREATE TABLE site (
    id               INTEGER PRIMARY KEY,
    source           TEXT NOT NULL,                       -- nginx, haproxy
    config_file      TEXT NOT NULL,
    config_line      INTEGER NOT NULL,
    server_names     TEXT NOT NULL,                       -- JSON array
    listen           TEXT NOT NULL,                       -- JSON array of "addr:port" / "port"
    certificate_path TEXT,
    key_path         TEXT,
    first_seen       INTEGER NOT NULL,
    last_seen        INTEGER NOT NULL,
    gone_since       INTEGER,
    UNIQUE (source, config_file, config_line, certificate_path)
);
CREATE INDEX site_certificate_path ON site(certificate_path);
