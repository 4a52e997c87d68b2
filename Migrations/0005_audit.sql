-- What `clm audit` needs to answer its grouped questions with indexes
-- instead of full scans, and tags that policy scopes can select on.

-- Stale copies: certificates with the same subject CN as the one an endpoint serves.
CREATE INDEX certificate_subject_cn ON certificate(subject_cn);

-- Free-form labels on certificates (e.g. "internal", "mail"); policy scopes select by tag.
CREATE TABLE certificate_tag (
    certificate_id INTEGER NOT NULL REFERENCES certificate(id) ON DELETE CASCADE,
    tag            TEXT NOT NULL,
    PRIMARY KEY (certificate_id, tag)
) WITHOUT ROWID;
CREATE INDEX certificate_tag_tag ON certificate_tag(tag);
