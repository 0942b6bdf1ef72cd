-- Lookups of the desk's screens that would otherwise read whole tables on a large station:
-- the duplicate check (same name and birth date), the pickup queue (cards ready), and the
-- day review's corrections (audit entries of one action over a day).

CREATE INDEX applications_name_birth ON applications (name, birth_date);
CREATE INDEX outbox_service_state ON outbox (service_state) WHERE service_state IS NOT NULL;
CREATE INDEX audit_action_ts ON audit (action, ts);
