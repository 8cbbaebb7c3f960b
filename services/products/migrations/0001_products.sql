-- The catalog: products, their images, and stock reservations per order.

-- Trigram indexes let a search for a fragment ("ook") find "Notebook".
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE products (
    id          uuid          PRIMARY KEY,
    name        text          NOT NULL,
    description text          NOT NULL DEFAULT '',
    price       numeric(12,2) NOT NULL,
    stock       integer       NOT NULL,
    seller_id   uuid          NOT NULL,
    created_at  timestamptz   NOT NULL DEFAULT now(),
    updated_at  timestamptz   NOT NULL DEFAULT now(),
    -- Name weighs more than description. Both the English (stemmed: "books" finds
    -- "book") and the simple (unstemmed: "bookin" finds "booking") lexemes are kept so
    -- prefix queries work on what the user typed.
    search      tsvector      GENERATED ALWAYS AS (
        setweight(to_tsvector('english', name), 'A') ||
        setweight(to_tsvector('simple', name), 'A') ||
        setweight(to_tsvector('english', description), 'B') ||
        setweight(to_tsvector('simple', description), 'B')
    ) STORED,
    CONSTRAINT products_name_not_blank     CHECK (btrim(name) <> ''),
    CONSTRAINT products_price_non_negative CHECK (price >= 0),
    CONSTRAINT products_stock_non_negative CHECK (stock >= 0)
);

CREATE INDEX products_search_idx     ON products USING gin (search);
CREATE INDEX products_name_trgm_idx  ON products USING gin (name gin_trgm_ops);
-- One index per sort order of listings, with the id tie-breaker pages rely on.
CREATE INDEX products_name_idx       ON products (lower(name), id);
CREATE INDEX products_price_idx      ON products (price, id);
CREATE INDEX products_created_at_idx ON products (created_at, id);
CREATE INDEX products_seller_idx     ON products (seller_id);

-- Image URLs in display order; replaced as a whole on update.
CREATE TABLE product_images (
    product_id uuid    NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    position   integer NOT NULL,
    url        text    NOT NULL,
    PRIMARY KEY (product_id, position)
);

-- One row per order that asked for stock: the primary key makes a repeated or
-- concurrent reservation for the same order wait for, then return, the first answer.
CREATE TABLE stock_reservations (
    order_id    uuid        PRIMARY KEY,
    status      text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    released_at timestamptz,
    CONSTRAINT stock_reservations_status_known
        CHECK (status IN ('reserved', 'rejected', 'released'))
);

-- What a granted reservation took, so a release gives back exactly that. No foreign
-- key to products: a product may be deleted while an order still holds its stock.
CREATE TABLE stock_reservation_items (
    order_id   uuid    NOT NULL REFERENCES stock_reservations (order_id) ON DELETE CASCADE,
    product_id uuid    NOT NULL,
    quantity   integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, product_id)
);

-- Why a reservation was refused, so a repeated call answers the same.
CREATE TABLE stock_reservation_shortages (
    order_id   uuid    NOT NULL REFERENCES stock_reservations (order_id) ON DELETE CASCADE,
    product_id uuid    NOT NULL,
    requested  integer NOT NULL,
    available  integer NOT NULL,
    reason     text    NOT NULL,
    PRIMARY KEY (order_id, product_id),
    CONSTRAINT stock_reservation_shortages_reason_known
        CHECK (reason IN ('unknown_product', 'insufficient_stock'))
);
