-- m015_late_pdfs: the PDF of a report issued while Chromium could not print, printed at its first download and kept
-- once, its SHA-256 in the audit chain. Never changed or removed. As the SQLite migration of the same name.
CREATE TABLE document_pdfs (
    document_id text PRIMARY KEY,
    pdf bytea NOT NULL,
    sha256 text NOT NULL,
    printed_by text,
    printed_at text
);
CREATE FUNCTION document_pdfs_never_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a kept PDF cannot be changed or removed' USING ERRCODE = '23000';
END $$;
CREATE TRIGGER document_pdfs_never_change BEFORE UPDATE OR DELETE ON document_pdfs
    FOR EACH ROW EXECUTE FUNCTION document_pdfs_never_change();
CREATE TRIGGER document_pdfs_never_truncated BEFORE TRUNCATE ON document_pdfs
    FOR EACH STATEMENT EXECUTE FUNCTION document_pdfs_never_change();
