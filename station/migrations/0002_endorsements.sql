-- Yearly endorsements written to permit cards at this station (station card endorse, the
-- endorsement flow): one row per card and year, recorded in the same transaction as its audit
-- entry, only after the card accepted the write.

CREATE TABLE endorsements (
    id            INTEGER PRIMARY KEY,
    id_number     TEXT NOT NULL,
    permit_number TEXT NOT NULL,
    year          INTEGER NOT NULL,
    endorsed_on   TEXT NOT NULL,
    station       TEXT NOT NULL,
    operator      TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    application   TEXT,
    UNIQUE (permit_number, year)
);
CREATE INDEX endorsements_id_number ON endorsements (id_number);
