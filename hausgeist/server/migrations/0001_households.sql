-- The households a server serves and the devices (and operators) allowed to call it.
-- Tokens are random 256-bit secrets; only their SHA-256 digest is kept.

CREATE TABLE households (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    directory TEXT NOT NULL,          -- its state, relative to the data directory
    created_at TEXT NOT NULL
);

CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    household_id INTEGER REFERENCES households (id),  -- NULL for an operator
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('device', 'operator')),
    area TEXT,                        -- where the device stands, for "hier"
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX devices_by_household ON devices (household_id);
