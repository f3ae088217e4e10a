-- m013_incident_chains: one chain per incident, each ending where its ledger entry incident:<id> says, and
-- the start of every incident chained in incident_starts (ledger 'starts'). The store adopts the incidents already
-- recorded in the same transaction (emergency.store.migrations.adopt_incident_chains: it needs the chain key, which
-- never enters the database) and retires the database-wide chain's ledger entry.
CREATE TABLE incident_starts (seq integer PRIMARY KEY, incident_id text NOT NULL, at text NOT NULL,
    prev_hash text NOT NULL, hash text NOT NULL);
CREATE UNIQUE INDEX idx_incident_starts_incident_id ON incident_starts (incident_id);
-- the retired database-wide chain's index: a new event has no gseq (an old anchor is still checked by it, rarely)
DROP INDEX idx_events_gseq;
