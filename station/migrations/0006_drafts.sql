-- Drafts of forms being typed (one per operator and form), kept in the encrypted database so
-- that a crash, a power cut or a screen lock loses nothing typed.

CREATE TABLE drafts (
    operator   TEXT NOT NULL,
    form       TEXT NOT NULL,
    data       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (operator, form)
) WITHOUT ROWID;
