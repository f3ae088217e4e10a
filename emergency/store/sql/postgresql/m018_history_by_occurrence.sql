-- m018_history_by_occurrence: the history lists incidents newest occurrence first; an index in that order finds its
-- first 200 without sorting every incident ever recorded. As the SQLite migration of the same name.
CREATE INDEX IF NOT EXISTS idx_incidents_drill_occurred_at ON incidents (drill, occurred_at);
