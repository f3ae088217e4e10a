-- m009_document_numbers: 发文字号: each issued report's number, e.g. 海应值〔2026〕12号, unique so two
-- offices' windows issuing at once never share one.
ALTER TABLE documents ADD COLUMN doc_number text;
CREATE UNIQUE INDEX idx_documents_doc_number ON documents (doc_number);
