-- Placeholder: the number 0010 belongs to another branch's migration. This file only keeps
-- the numbering without gaps on the w-profile branch; delete it when that migration is merged.
SELECT 1;
