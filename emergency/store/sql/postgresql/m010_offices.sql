-- m010_offices: whose duty is it: each user works for one office (a unit of the directory, by today's
-- name); an incident with a task still open (handed over or assigned) stays on the receiving unit's list after it closes.
ALTER TABLE users ADD COLUMN unit text;
ALTER TABLE incidents ADD COLUMN follow_up integer NOT NULL DEFAULT 0;
CREATE INDEX idx_incidents_follow_up ON incidents (follow_up);
