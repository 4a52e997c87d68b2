-- Certificates, where they were seen, and private keys found beside them.
-- Times are Unix seconds (UTC). Hashes are lower-case hex.

CREATE TABLE certificate (
    id                  INTEGER PRIMARY KEY,
    fingerprint_sha256  TEXT NOT NULL UNIQUE,
    subject             TEXT NOT NULL,
    subject_cn          TEXT,
    issuer              TEXT NOT NULL,
    issuer_cn           TEXT,
    serial              TEXT NOT NULL,
    not_before          INTEGER NOT NULL,
    not_after           INTEGER NOT NULL,
    key_algorithm       TEXT NOT NULL,      -- RSA, EC, Ed25519, ...
    key_bits            INTEGER,
    key_curve           TEXT,
    signature_algorithm TEXT NOT NULL,
    is_ca               INTEGER NOT NULL,
    self_signed         INTEGER NOT NULL,
    spki_sha256         TEXT NOT NULL,
    authority_key_id    TEXT,
    subject_key_id      TEXT,
    der                 BLOB NOT NULL,      -- the certificate; PEM is rendered on output
    first_seen          INTEGER NOT NULL,
    last_seen           INTEGER NOT NULL
);
CREATE INDEX certificate_not_after ON certificate(not_after);
CREATE INDEX certificate_spki ON certificate(spki_sha256);

-- Subject alternative names, one row each (kind: dns, ip, email, uri).
CREATE TABLE certificate_san (
    certificate_id INTEGER NOT NULL REFERENCES certificate(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    value          TEXT NOT NULL,
    UNIQUE (certificate_id, kind, value)
);

-- Every place a certificate was seen: a file (ref = path) or an endpoint
-- (ref = host:port). A vanished location is marked gone, never deleted.
CREATE TABLE location (
    id             INTEGER PRIMARY KEY,
    certificate_id INTEGER NOT NULL REFERENCES certificate(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('file', 'endpoint')),
    ref            TEXT NOT NULL,
    position       INTEGER NOT NULL DEFAULT 0,   -- index within the file or the chain sent
    first_seen     INTEGER NOT NULL,
    last_seen      INTEGER NOT NULL,
    gone_since     INTEGER,
    last_scan_id   INTEGER,
    UNIQUE (certificate_id, kind, ref)
);
CREATE INDEX location_ref ON location(kind, ref);

-- Private key files. Key material is never stored: only how to find the
-- key, how it is protected, and the hash of its public key for pairing.
CREATE TABLE private_key (
    id           INTEGER PRIMARY KEY,
    path         TEXT NOT NULL UNIQUE,
    format       TEXT NOT NULL,                 -- pkcs1, pkcs8, sec1, pkcs8-encrypted, pem-encrypted, pkcs12
    encrypted    INTEGER NOT NULL,
    spki_sha256  TEXT,                          -- NULL when encrypted
    key_algorithm TEXT,
    key_bits     INTEGER,
    owner_uid    INTEGER NOT NULL,
    owner_gid    INTEGER NOT NULL,
    mode         INTEGER NOT NULL,              -- permission bits, e.g. 0600 = 384
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    gone_since   INTEGER,
    last_scan_id INTEGER
);
CREATE INDEX private_key_spki ON private_key(spki_sha256);
