-- An endorsement is recorded as 'writing' before the card is written and becomes 'done' when
-- the card accepted it; a write whose outcome is unknown (the card pulled mid-write) stays
-- 'uncertain' until the card is read again. So nothing is ever on a card that the station
-- has not recorded.

ALTER TABLE endorsements ADD COLUMN state TEXT NOT NULL DEFAULT 'done'
    CHECK (state IN ('writing', 'done', 'uncertain'));
