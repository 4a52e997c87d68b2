-- A managed certificate's names as rows (one per name, in order) instead
-- of a JSON array in managed_certificate.domains: callers get a typed list
-- and a second backend a plain table.

CREATE TABLE managed_certificate_domain (
    name     TEXT NOT NULL REFERENCES managed_certificate(name) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    domain   TEXT NOT NULL,
    PRIMARY KEY (name, position)
) WITHOUT ROWID;

INSERT INTO managed_certificate_domain (name, position, domain)
    SELECT m.name, d.key, d.value FROM managed_certificate m, json_each(m.domains) d
    WHERE json_valid(m.domains) AND json_type(m.domains) = 'array';

ALTER TABLE managed_certificate DROP COLUMN domains;
