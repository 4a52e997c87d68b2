-- A managed certificate's names as rows (one per name, in order) instead
-- of a JSON array in managed_certificate.domains: callers get a typed list
-- and a second backend a plain table.
--
-- The table is rebuilt without the column rather than altered with DROP
-- COLUMN, which SQLite before 3.35 lacks. The names table is made to point
-- at the new table before the old one goes, so dropping the old one
-- cascades nothing; the rename carries the reference along.

CREATE TABLE managed_certificate_new (
    name                 TEXT PRIMARY KEY,
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

INSERT INTO managed_certificate_new (name, key_type, issuance_hash, fingerprint_sha256, not_before, not_after, ari_cert_id,
                                     deploy_hash, deployed_fingerprint, updated_at)
    SELECT name, key_type, issuance_hash, fingerprint_sha256, not_before, not_after, ari_cert_id,
           deploy_hash, deployed_fingerprint, updated_at FROM managed_certificate;

CREATE TABLE managed_certificate_domain (
    name     TEXT NOT NULL REFERENCES managed_certificate_new(name) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    domain   TEXT NOT NULL,
    PRIMARY KEY (name, position)
) WITHOUT ROWID;

INSERT INTO managed_certificate_domain (name, position, domain)
    SELECT m.name, d.key, d.value FROM managed_certificate m, json_each(m.domains) d
    WHERE json_valid(m.domains) AND json_type(m.domains) = 'array';

DROP TABLE managed_certificate;
ALTER TABLE managed_certificate_new RENAME TO managed_certificate;
CREATE INDEX managed_certificate_not_after ON managed_certificate(not_after);
