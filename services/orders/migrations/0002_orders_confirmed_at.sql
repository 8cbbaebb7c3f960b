-- When stock was reserved and the order confirmed (by the stock_reserved event; admins
-- cannot confirm by hand). It stays set once the order is shipped or delivered, so
-- the time from acceptance (created_at) to confirmation can be read from the order
-- itself. NULL for orders never confirmed, and for those confirmed before this column
-- existed.
ALTER TABLE orders ADD COLUMN confirmed_at TIMESTAMPTZ;
