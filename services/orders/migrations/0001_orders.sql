-- Orders, their items, the transactional outbox and the ids of processed events.

CREATE TABLE orders (
    id              UUID PRIMARY KEY,
    user_id         UUID NOT NULL,
    -- Carried in events so notification needs no database of its own.
    user_email      TEXT NOT NULL,
    status          TEXT NOT NULL
        CONSTRAINT orders_status_known
        CHECK (status IN ('pending', 'confirmed', 'cancelled', 'shipped', 'delivered')),
    total_price     NUMERIC(12, 2) NOT NULL CONSTRAINT orders_total_not_negative CHECK (total_price >= 0),
    cancel_reason   TEXT,
    tracking_number TEXT,
    shipped_at      TIMESTAMPTZ,
    idempotency_key TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- A client retrying with the same key gets the first order back.
    CONSTRAINT orders_idempotency_key UNIQUE (user_id, idempotency_key)
);

CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id);
CREATE INDEX orders_created_idx ON orders (created_at DESC, id);

CREATE TABLE order_items (
    order_id   UUID NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position   INT NOT NULL,
    product_id UUID NOT NULL,
    -- Name and price as they were when the order was placed.
    name       TEXT NOT NULL,
    unit_price NUMERIC(12, 2) NOT NULL CHECK (unit_price >= 0),
    quantity   INT NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    PRIMARY KEY (order_id, position),
    CONSTRAINT order_items_one_line_per_product UNIQUE (order_id, product_id)
);

-- Events written in the same transaction as the change they describe; the outbox
-- relay publishes them to Kafka in id order and marks them sent.
CREATE TABLE outbox (
    id         BIGSERIAL PRIMARY KEY,
    -- Base topic name (the event type); the configured prefix is added when publishing.
    topic      TEXT NOT NULL,
    key        TEXT NOT NULL,
    -- JSON, not JSONB: published byte for byte as written (prices keep two decimals).
    payload    JSON NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at    TIMESTAMPTZ
);

CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL;

-- Events this service has applied, so a redelivered event changes nothing.
CREATE TABLE processed_events (
    event_id     UUID PRIMARY KEY,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
