-- Placeholder: the number 0011 belongs to the w-profile branch's migration (0011_profiles.sql).
-- This file only keeps the numbering without gaps on the w-figures branch; the merge of main
-- replaces it with the real one.
SELECT 1;
