-- Each scan run, its warnings, and what each file looked like when it was
-- last read (so an unchanged file is not read again).

CREATE TABLE scan (
    id                 INTEGER PRIMARY KEY,
    started_at         INTEGER NOT NULL,
    finished_at        INTEGER,
    roots              TEXT NOT NULL,          -- JSON array
    files_examined     INTEGER NOT NULL DEFAULT 0,
    files_unchanged    INTEGER NOT NULL DEFAULT 0,
    files_skipped      INTEGER NOT NULL DEFAULT 0,
    certificates_seen  INTEGER NOT NULL DEFAULT 0,
    certificates_new   INTEGER NOT NULL DEFAULT 0,
    keys_seen          INTEGER NOT NULL DEFAULT 0,
    locations_gone     INTEGER NOT NULL DEFAULT 0,
    warning_count      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE scan_warning (
    scan_id INTEGER NOT NULL REFERENCES scan(id) ON DELETE CASCADE,
    ref     TEXT NOT NULL,                     -- path or host:port
    reason  TEXT NOT NULL
);
CREATE INDEX scan_warning_scan ON scan_warning(scan_id);

CREATE TABLE file_state (
    path          TEXT PRIMARY KEY,
    device        INTEGER NOT NULL,
    inode         INTEGER NOT NULL,
    size          INTEGER NOT NULL,
    mtime_ns      INTEGER NOT NULL,
    warning       TEXT,                        -- the problem found last time, repeated while unchanged
    last_scan_id  INTEGER NOT NULL
) WITHOUT ROWID;
