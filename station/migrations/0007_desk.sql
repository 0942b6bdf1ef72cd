-- The coordinator's and supervisor's day: card handovers recorded at the desk (sent to the
-- central service with the next sync, so a handover works offline), photos taken although a
-- check failed (a review flag), and the supervisor's end-of-day confirmations.

CREATE TABLE handovers (
    uuid       TEXT PRIMARY KEY,
    at         TEXT NOT NULL,
    operator   TEXT NOT NULL,
    id_checked INTEGER NOT NULL DEFAULT 0,
    sent_at    TEXT,
    error      TEXT
) WITHOUT ROWID;

CREATE TABLE photo_overrides (
    uuid     TEXT PRIMARY KEY,
    reasons  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE day_confirmations (
    day       TEXT PRIMARY KEY,
    operator  TEXT NOT NULL,
    at        TEXT NOT NULL,
    summary   TEXT NOT NULL
) WITHOUT ROWID;
