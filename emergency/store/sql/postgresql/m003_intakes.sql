-- m003_intakes: 接报登记, every report received, whether or not it opened an incident.
CREATE TABLE intakes (
    id text PRIMARY KEY, source text NOT NULL, reference text, received_at text NOT NULL, caller text,
    callback text, place text, description text, matter text NOT NULL, late_reason text, drill bigint NOT NULL,
    drill_id text, recorded_by text, recorded_at text, status text NOT NULL, incident_id text, plan text,
    closed_reason text, closed_by text, closed_at text, drill_title text
);
CREATE INDEX idx_intakes_received_at ON intakes (received_at);
CREATE INDEX idx_intakes_matter_received_at ON intakes (matter, received_at);
