-- m016_intake_facts: what the caller said at intake, kept so it is typed once (the figures the plans grade by, as
-- JSON) and when the calling unit itself received the report (110's 接警时间). As the SQLite migration of the same name.
ALTER TABLE intakes ADD COLUMN facts text;
ALTER TABLE intakes ADD COLUMN unit_received_at text;
-- a 回电/落实 takes the time it happened; when it was written down is kept beside it (补记 when later)
ALTER TABLE duty_log ADD COLUMN done_recorded_at text;
-- the 报告单位, 签发人 and 联系人 an office last signed with, beside its 主送 and 抄送
ALTER TABLE report_headers ADD COLUMN issuer text;
ALTER TABLE report_headers ADD COLUMN signer text;
ALTER TABLE report_headers ADD COLUMN contact text;
