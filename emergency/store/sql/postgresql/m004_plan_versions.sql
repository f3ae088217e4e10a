-- m004_plan_versions: every plan file an incident started under, kept so the incident stays on it.
CREATE TABLE plan_versions (version text, plan text, text text, first_used_at text, PRIMARY KEY (plan, version));
