-- The station's core schema: operators, settings, applications with their versions and photos,
-- the application-number sequence, full-text search and the hash-chained audit log.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE operators (
    name        TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('coordinator', 'supervisor', 'technician')),
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    created_by  TEXT,
    disabled_at TEXT
) WITHOUT ROWID;

CREATE TABLE config (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT
) WITHOUT ROWID;

-- One row per day: the last sequence number handed out. Numbers are never reused because the
-- row is only ever incremented, in the same transaction that inserts the application.
CREATE TABLE number_seq (
    day  TEXT PRIMARY KEY,
    last INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE applications (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    number        TEXT NOT NULL UNIQUE,
    version       INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'saved',
    id_number     TEXT,
    name          TEXT,
    phone         TEXT,
    birth_date    TEXT,
    division_code TEXT,
    community     TEXT,
    day           TEXT NOT NULL,
    captured_at   TEXT NOT NULL,
    operator      TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    photo         TEXT,
    content_hash  TEXT NOT NULL,
    record        BLOB NOT NULL,
    purged        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX applications_id_number ON applications (id_number);
CREATE INDEX applications_phone ON applications (phone);
CREATE INDEX applications_day ON applications (day, operator);

-- Earlier versions of corrected applications (the current one stays in applications).
CREATE TABLE application_versions (
    uuid         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    record       BLOB NOT NULL,
    operator     TEXT NOT NULL,
    saved_at     TEXT NOT NULL,
    PRIMARY KEY (uuid, version)
) WITHOUT ROWID;

CREATE TABLE photos (
    sha256     TEXT PRIMARY KEY,
    jpeg       BLOB NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;

-- Names and addresses, one token per CJK character (see station/search.py); contentless so the
-- text is not stored twice. rowid = applications.id.
CREATE VIRTUAL TABLE applications_fts USING fts5 (
    text, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY,
    ts          TEXT NOT NULL,
    operator    TEXT,
    action      TEXT NOT NULL,
    record_uuid TEXT,
    detail      TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_record ON audit (record_uuid) WHERE record_uuid IS NOT NULL;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
