-- The retention janitor deletes outbox rows sent, and event ids processed, longer ago
-- than their retention; these indexes find them without reading the whole table.
CREATE INDEX outbox_sent_at_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);
