-- Trust: audit entries signed by their operator, the station's keys and its operators'
-- certificates, revocations waiting to reach the central service, the chain heads the service
-- has receipted, and applications renumbered because the service already held their number.

-- Entries written before this migration keep signer and signature NULL: "from before signing"
-- (audit verify accepts an unsigned entry only before the first signed one).
ALTER TABLE audit ADD COLUMN signer TEXT;
ALTER TABLE audit ADD COLUMN signature TEXT;

-- Every station identity key this station has had (public halves); a rotation's new key is
-- endorsed by the one before it when that one was the vault's.
CREATE TABLE station_keys (
    n           INTEGER PRIMARY KEY,
    public_key  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    endorsement TEXT,
    retired_at  TEXT
);

-- The certificate of each operator key ever issued (the latest issue of that key).
CREATE TABLE operator_certs (
    public_key  TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    certificate TEXT NOT NULL,
    issued_at   TEXT NOT NULL,
    revoked_at  TEXT
) WITHOUT ROWID;
CREATE INDEX operator_certs_name ON operator_certs (name);

-- Revocations signed by the station key; sent to the central service with the next sync.
CREATE TABLE revocations (
    public_key TEXT PRIMARY KEY,
    statement  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at    TEXT
) WITHOUT ROWID;

-- The central service's signed receipts for the audit-chain heads it was sent.
CREATE TABLE audit_anchors (
    seq         INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    station_id  TEXT NOT NULL,
    received_at TEXT NOT NULL,
    receipt     TEXT NOT NULL,
    PRIMARY KEY (station_id, seq)
) WITHOUT ROWID;

-- Applications given a new number because the service held theirs under another uuid; the
-- coordinator reprints the receipt.
CREATE TABLE renumbered (
    uuid         TEXT PRIMARY KEY,
    old_number   TEXT NOT NULL,
    new_number   TEXT NOT NULL,
    at           TEXT NOT NULL,
    reprinted_at TEXT
) WITHOUT ROWID;
