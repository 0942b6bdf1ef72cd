-- Figures a district can trust and the seeds' indicators (issue 14, items 3-5).
--
-- person_key: a keyed hash of the applicant's ID number (HMAC-SHA256 with a random secret kept
-- in meta), so that reports count distinct persons, and keep counting them once the retention
-- purge has removed the ID number itself (the key is not the number, and cannot be turned back
-- into it without the station's secret). Filled in by the store for new rows (with the marital
-- status, which the record keeps inside its compressed blob); the rows already there are
-- filled at the next login (meta 'backfill_0012', station/store/upkeep.py), with the referrals
-- of the services they asked for.
ALTER TABLE applications ADD COLUMN person_key TEXT;
ALTER TABLE applications ADD COLUMN marital TEXT;  -- GB/T 2261.2, for the period report
-- written: the order in which versions were written (updated_at has whole seconds): a
-- person's latest application is the one written last.
ALTER TABLE applications ADD COLUMN written INTEGER NOT NULL DEFAULT 0;
UPDATE applications SET written = w.n
FROM (SELECT id, row_number() OVER (ORDER BY updated_at, id) AS n FROM applications) AS w
WHERE applications.id = w.id;
CREATE INDEX applications_written ON applications (written);
CREATE INDEX applications_person ON applications (person_key, written);
CREATE INDEX applications_photo_needed ON applications (captured_at) WHERE state = 'photo_needed';
INSERT OR IGNORE INTO meta (key, value) VALUES ('person_key_secret', lower(hex(randomblob(32))));
INSERT OR REPLACE INTO meta (key, value) VALUES ('backfill_0012', 'pending');

-- The 7+1 referrals: one row per application and service asked for, 'referred' when the
-- application is saved, later 'delivered' or 'declined' on a date, recorded by an operator.
CREATE TABLE referrals (
    uuid        TEXT NOT NULL,
    service     TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('referred', 'delivered', 'declined')),
    referred_on TEXT NOT NULL,
    outcome_on  TEXT,
    outcome_by  TEXT,
    recorded_at TEXT,
    PRIMARY KEY (uuid, service)
) WITHOUT ROWID;
CREATE INDEX referrals_referred_on ON referrals (referred_on);

-- How often the service refused a record (at upload, or in production after accepting it):
-- the share of applications accepted at the first attempt is one of the district's targets.
ALTER TABLE outbox ADD COLUMN rejections INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET rejections = 1 WHERE state = 'rejected' OR service_state = 'rejected';

-- The issue date of a permit card read at an endorsement: the yearly endorsement falls due on
-- its anniversaries (the list of endorsements due).
ALTER TABLE endorsements ADD COLUMN issue_date TEXT;

-- New registrations and replacements saved without a photo and not yet sent wait for one: a
-- card is never produced without a photo (the service refuses them: photo_required). Their
-- outbox rows stay, held: the sync takes no application in the state 'photo_needed'.
UPDATE applications SET state = 'photo_needed'
WHERE photo IS NULL AND purged = 0 AND kind IN ('new', 'replacement')
  AND uuid IN (SELECT uuid FROM outbox WHERE state = 'pending' AND service_state IS NULL);
