-- Sync with the central service (specs/sync.md): the outbox, the batches (their exact bytes,
-- written before they are sent), the change-feed events and the sync state.

CREATE TABLE outbox (
    uuid           TEXT PRIMARY KEY,
    version        INTEGER NOT NULL,
    content_hash   TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'accepted',
                       'duplicate', 'conflict', 'rejected')),
    batch_id       TEXT,
    result_code    TEXT,
    result_field   TEXT,
    result_message TEXT,
    service_state  TEXT,
    service_at     TEXT,
    updated_at     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX outbox_state ON outbox (state);

CREATE TABLE batches (
    batch_id     TEXT PRIMARY KEY,
    body_sha256  TEXT NOT NULL,
    content_type TEXT NOT NULL,
    body         BLOB,
    records      INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('sending', 'done')),
    created_at   TEXT NOT NULL,
    response     TEXT
) WITHOUT ROWID;

CREATE TABLE batch_items (
    batch_id     TEXT NOT NULL,
    uuid         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    PRIMARY KEY (batch_id, uuid)
) WITHOUT ROWID;

CREATE TABLE status_events (
    seq    INTEGER PRIMARY KEY,
    uuid   TEXT NOT NULL,
    type   TEXT NOT NULL,
    at     TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX status_events_uuid ON status_events (uuid, type);

CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Applications saved before this migration go out with the next sync.
INSERT INTO outbox (uuid, version, content_hash, state, updated_at)
SELECT uuid, version, content_hash, 'pending', updated_at FROM applications WHERE purged = 0;
