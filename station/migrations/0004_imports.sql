-- Rows imported from spreadsheets (registration drives): the hash of each row's record, so that
-- importing the same file twice creates no duplicates.

CREATE TABLE imported_rows (
    row_hash    TEXT PRIMARY KEY,
    uuid        TEXT NOT NULL,
    source      TEXT NOT NULL,
    imported_at TEXT NOT NULL
) WITHOUT ROWID;
