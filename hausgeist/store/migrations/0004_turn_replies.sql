-- The answers of turns sent with an Idempotency-Key, so that a device's retry of a turn
-- whose answer it never got is answered again instead of acted on twice.

CREATE TABLE turn_replies (
    device_id INTEGER NOT NULL,             -- the registry's device (keys are per device)
    key TEXT NOT NULL,                      -- the client's Idempotency-Key
    request_sha256 TEXT NOT NULL,           -- of the request it was sent with
    reply TEXT NOT NULL,                    -- the turn's JSON answer
    created_at TEXT NOT NULL,               -- ISO 8601, UTC; kept for a day
    PRIMARY KEY (device_id, key)
);
CREATE INDEX turn_replies_by_created ON turn_replies (created_at);
