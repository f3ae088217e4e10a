-- m002_security_and_integrity: keyed chains with a database-wide ledger, the audit chain, revocable
-- sessions and tokens, idempotent creates, and drills that never mix with real incidents (triggers,
-- as on SQLite). No re-keying step: no PostgreSQL database predates the keyed chains.
ALTER TABLE events ADD COLUMN gseq bigint, ADD COLUMN ghash text;
CREATE UNIQUE INDEX idx_events_gseq ON events (gseq);
CREATE TABLE ledger (chain text PRIMARY KEY, count bigint, head text, mac text);
CREATE TABLE audit (
    seq bigint PRIMARY KEY, at text, kind text, actor text, subject text, detail text, addr text,
    prev_hash text, hash text
);
CREATE INDEX idx_audit_kind_at ON audit (kind, at);
CREATE INDEX idx_audit_subject_kind_at ON audit (subject, kind, at);
ALTER TABLE incidents ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX idx_incidents_idempotency_key ON incidents (idempotency_key);
ALTER TABLE users ADD COLUMN disabled bigint, ADD COLUMN demo bigint, ADD COLUMN updated_at text;
CREATE TABLE sessions (sid_hash text PRIMARY KEY, name text, created_at text, last_seen text, addr text);
CREATE INDEX idx_sessions_name ON sessions (name);
ALTER TABLE tokens ADD COLUMN id text, ADD COLUMN expires_at text, ADD COLUMN last_used_at text,
    ADD COLUMN revoked_at text;

-- Drills and real incidents never mix: the store refuses it, not only the forms (integrity_constraint_violation).
CREATE FUNCTION incidents_never_mix() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.drill = 0 AND NEW.drill_id IS NOT NULL THEN
            RAISE EXCEPTION 'a real incident cannot belong to a drill (drill_id)' USING ERRCODE = '23000';
        END IF;
        IF NEW.event_group IS NOT NULL AND EXISTS (
            SELECT 1 FROM incidents m WHERE (m.event_group = NEW.event_group OR m.id = NEW.event_group)
              AND (m.drill != NEW.drill OR coalesce(m.drill_id, '') != coalesce(NEW.drill_id, ''))) THEN
            RAISE EXCEPTION 'an event group cannot mix drill and real incidents, or two drills (event_group)'
                USING ERRCODE = '23000';
        END IF;
    ELSIF NEW.drill != OLD.drill OR coalesce(NEW.drill_id, '') != coalesce(OLD.drill_id, '')
          OR coalesce(NEW.event_group, '') != coalesce(OLD.event_group, '') THEN
        RAISE EXCEPTION 'an incident cannot change between drill and real, or change its event group'
            USING ERRCODE = '23000';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER incidents_never_mix BEFORE INSERT OR UPDATE OF drill, drill_id, event_group ON incidents
    FOR EACH ROW EXECUTE FUNCTION incidents_never_mix();
