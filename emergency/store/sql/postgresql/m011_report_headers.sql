-- m011_report_headers: the 主送 and 抄送 an office last used for each kind of written report under each plan
-- (kind = plan/kind, e.g. labor_dispute/first), offered again on its next draft of that kind.
CREATE TABLE report_headers (
    office text NOT NULL,
    kind text NOT NULL,
    addressee text NOT NULL DEFAULT '',
    copy_to text NOT NULL DEFAULT '',
    updated_by text NOT NULL,
    updated_at text NOT NULL,
    PRIMARY KEY (office, kind)
);
