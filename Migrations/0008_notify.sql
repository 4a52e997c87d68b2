-- Renewal outcomes (for metrics) and what was last notified per
-- certificate, so a failure is announced once and a recovery once.

CREATE TABLE renewal_run (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    action      TEXT NOT NULL,                 -- renew, deploy
    result      TEXT NOT NULL CHECK (result IN ('success', 'failed')),
    message     TEXT,
    finished_at INTEGER NOT NULL
);
CREATE INDEX renewal_run_name ON renewal_run(name, finished_at);

CREATE TABLE notification_state (
    subject     TEXT PRIMARY KEY,              -- the managed certificate's name
    failing     INTEGER NOT NULL,
    since       INTEGER NOT NULL,
    message     TEXT,
    notified_at INTEGER NOT NULL,
    pending_channels TEXT                       -- channels still owed the next announcement (comma-separated)
) WITHOUT ROWID;
