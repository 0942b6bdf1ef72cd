-- Reports count registrations by kind over the whole station: an index keeps that fast in a
-- database of a million applications (a full scan reads every record blob).

CREATE INDEX applications_kind ON applications (kind);
