-- Shopping orders and the stock they draw from.
-- The voice code (salted scrypt hash) and the wrong-code lock live in `settings` under
-- "orders.voice_code" and "orders.code_lock".

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,   -- one per confirmation: a repeated "ja" orders once
    product_id TEXT NOT NULL,               -- the catalog's id
    product_name TEXT NOT NULL,             -- the name the household confirmed
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    total_cents INTEGER NOT NULL CHECK (total_cents >= 0),
    status TEXT NOT NULL DEFAULT 'placed' CHECK (status IN ('placed', 'cancelled', 'delivered')),
    conversation_id TEXT,
    created_at TEXT NOT NULL,               -- ISO 8601, the household's clock
    updated_at TEXT NOT NULL
);
CREATE INDEX orders_by_created ON orders (created_at);
CREATE INDEX orders_by_status ON orders (status, created_at);

CREATE TABLE order_stock (
    product_id TEXT PRIMARY KEY,            -- seeded from the catalog on first use
    stock INTEGER NOT NULL CHECK (stock >= 0)
);
