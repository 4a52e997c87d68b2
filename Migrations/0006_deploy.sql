-- The deploy stage: managed certificates (what `renew` keeps fresh), every
-- deploy / rollback per target, and every hook run. Key material is never
-- stored.

CREATE TABLE managed_certificate (
    name                 TEXT PRIMARY KEY,
    domains              TEXT NOT NULL,              -- JSON array
    key_type             TEXT NOT NULL,
    issuance_hash        TEXT NOT NULL,              -- names + key type + chain asked for
    fingerprint_sha256   TEXT NOT NULL,              -- the current certificate in the state dir
    not_before           INTEGER NOT NULL,
    not_after            INTEGER NOT NULL,
    ari_cert_id          TEXT,
    deploy_hash          TEXT,                       -- targets + hooks last deployed successfully
    deployed_fingerprint TEXT,                       -- certificate last deployed successfully
    updated_at           INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX managed_certificate_not_after ON managed_certificate(not_after);

CREATE TABLE deploy_run (
    id                   INTEGER PRIMARY KEY,
    certificate_name     TEXT NOT NULL,
    target               TEXT NOT NULL,              -- "nginx /etc/nginx/tls/www"
    action               TEXT NOT NULL CHECK (action IN ('deploy', 'rollback')),
    outcome              TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'rolled-back')),
    previous_fingerprint TEXT,
    new_fingerprint      TEXT,
    version              TEXT,                       -- v7, or the saved copy's path
    message              TEXT,
    started_at           INTEGER NOT NULL,
    finished_at          INTEGER NOT NULL
);
CREATE INDEX deploy_run_name ON deploy_run(certificate_name, started_at);

CREATE TABLE hook_run (
    id               INTEGER PRIMARY KEY,
    certificate_name TEXT,                           -- NULL for global pre/post hooks
    phase            TEXT NOT NULL,                  -- pre, check, reload, deploy, post, runtime-api
    argv             TEXT NOT NULL,                  -- JSON array
    status           INTEGER,
    timed_out        INTEGER NOT NULL,
    seconds          REAL NOT NULL,
    output           TEXT NOT NULL,                  -- tail, at most 64 KiB
    ran_at           INTEGER NOT NULL
);
CREATE INDEX hook_run_name ON hook_run(certificate_name, ran_at);
