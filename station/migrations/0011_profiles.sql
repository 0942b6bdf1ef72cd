-- The station profile (specs/reference-data.md): the city's streets and communities and the
-- station's own details, each version kept, exactly one active. Switching is one transaction:
-- the old row is deactivated and the new one inserted together.

CREATE TABLE profiles (
    id          INTEGER PRIMARY KEY,
    version     TEXT NOT NULL,
    city        TEXT NOT NULL,
    origin      TEXT NOT NULL CHECK (origin IN ('file', 'central', 'demo')),
    source      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    document    TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT,
    active      INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))
);
CREATE UNIQUE INDEX profiles_one_active ON profiles (active) WHERE active = 1;

-- Batches written to a USB stick (`station sync --export`): the next online sync asks the
-- service for their stored result before sending them again.
ALTER TABLE batches ADD COLUMN exported_at TEXT;
