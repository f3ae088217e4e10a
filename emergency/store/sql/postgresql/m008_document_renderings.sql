-- m008_document_renderings: what an issued report is served as, kept and hashed: the draft's hash, and
-- the PDF printed once at issue with its hash (both also in the issue event). TRUNCATE, which row triggers do
-- not see, is refused like UPDATE and DELETE.
ALTER TABLE documents ADD COLUMN draft_sha256 text;
ALTER TABLE documents ADD COLUMN pdf bytea;
ALTER TABLE documents ADD COLUMN pdf_sha256 text;
CREATE TRIGGER documents_never_truncated BEFORE TRUNCATE ON documents
    FOR EACH STATEMENT EXECUTE FUNCTION documents_never_change();
