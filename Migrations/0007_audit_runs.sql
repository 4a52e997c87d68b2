-- The outcome of each `clm audit`, so metrics and reports can show the
-- latest findings by severity without re-running the audit.

CREATE TABLE audit_run (
    id        INTEGER PRIMARY KEY,
    ran_at    INTEGER NOT NULL,
    policy    TEXT NOT NULL,
    critical  INTEGER NOT NULL,
    high      INTEGER NOT NULL,
    medium    INTEGER NOT NULL,
    low       INTEGER NOT NULL,
    info      INTEGER NOT NULL
);
