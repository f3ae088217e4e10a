-- m005_documents: issued reports (首报、续报、终报): the exact file, its hash (also in the incident's event),
-- who issued it and when. An issued document is never changed or removed: a correction is a new 续报.
CREATE TABLE documents (id text PRIMARY KEY, incident_id text NOT NULL, kind text NOT NULL, number integer,
    title text, filename text, sha256 text NOT NULL, size integer, content bytea NOT NULL, draft text NOT NULL,
    drill integer, issued_by text, issued_at text NOT NULL, event_seq integer);
CREATE INDEX idx_documents_incident_id_issued_at ON documents (incident_id, issued_at);
CREATE FUNCTION documents_never_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'an issued document cannot be changed or removed' USING ERRCODE = '23000';
END $$;
CREATE TRIGGER documents_never_change BEFORE UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION documents_never_change();
