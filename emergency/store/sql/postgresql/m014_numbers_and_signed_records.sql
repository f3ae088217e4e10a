-- m014_numbers_and_signed_records: 发文字号 reserved before a report is printed (kept for the same report when the
-- print or the issue fails, so none is skipped), each office's own prefix, and a signed 交接班 and a 值班日志 entry
-- kept as signed (only an open entry's 回电/落实 is written, once). As the SQLite migration of the same name.
CREATE TABLE document_reservations (
    number text PRIMARY KEY,
    stem text NOT NULL,
    drill integer NOT NULL,
    seq integer NOT NULL,
    incident_id text NOT NULL,
    kind text NOT NULL,
    report_number integer NOT NULL,
    reserved_by text,
    reserved_at text
);
CREATE UNIQUE INDEX idx_document_reservations_seq ON document_reservations (stem, drill, seq);
CREATE INDEX idx_document_reservations_report ON document_reservations (incident_id, kind, report_number);
CREATE TABLE office_prefixes (
    office text PRIMARY KEY,
    prefix text NOT NULL,
    updated_by text,
    updated_at text
);
CREATE UNIQUE INDEX idx_office_prefixes_prefix ON office_prefixes (prefix);

-- a swap names its shifts by time too: a month made again reuses the roster's row ids
ALTER TABLE roster_swaps ADD COLUMN shift_starts_at text;
ALTER TABLE roster_swaps ADD COLUMN with_starts_at text;

CREATE FUNCTION handovers_signed_stay() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RAISE EXCEPTION 'a signed handover cannot be removed';
    END IF;
    IF OLD.incoming IS NOT NULL OR NEW.incoming IS NULL
       OR (NEW.office, NEW.shift, NEW.starts_at, NEW.ends_at, NEW.next_ends_at, NEW.outgoing, NEW.outgoing_at,
           NEW.remarks, NEW.drill, NEW.drill_id)
          IS DISTINCT FROM (OLD.office, OLD.shift, OLD.starts_at, OLD.ends_at, OLD.next_ends_at, OLD.outgoing,
           OLD.outgoing_at, OLD.remarks, OLD.drill, OLD.drill_id) THEN
        RAISE EXCEPTION 'a signed handover cannot be changed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER handovers_signed_stay BEFORE UPDATE OR DELETE ON handovers
    FOR EACH ROW EXECUTE FUNCTION handovers_signed_stay();
CREATE TRIGGER handovers_never_truncated BEFORE TRUNCATE ON handovers
    FOR EACH STATEMENT EXECUTE FUNCTION handovers_signed_stay();

CREATE FUNCTION duty_log_entries_stay() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RAISE EXCEPTION 'a shift log entry cannot be removed';
    END IF;
    IF OLD.done_at IS NOT NULL OR NEW.done_at IS NULL
       OR (NEW.office, NEW.at, NEW.kind, NEW.party, NEW.phone, NEW.text, NEW.leader, NEW.due, NEW.callback,
           NEW.incident_id, NEW.drill, NEW.drill_id, NEW.recorded_by, NEW.recorded_at)
          IS DISTINCT FROM (OLD.office, OLD.at, OLD.kind, OLD.party, OLD.phone, OLD.text, OLD.leader, OLD.due,
           OLD.callback, OLD.incident_id, OLD.drill, OLD.drill_id, OLD.recorded_by, OLD.recorded_at) THEN
        RAISE EXCEPTION 'a shift log entry cannot be changed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER duty_log_entries_stay BEFORE UPDATE OR DELETE ON duty_log
    FOR EACH ROW EXECUTE FUNCTION duty_log_entries_stay();
CREATE TRIGGER duty_log_entries_never_truncated BEFORE TRUNCATE ON duty_log
    FOR EACH STATEMENT EXECUTE FUNCTION duty_log_entries_stay();
