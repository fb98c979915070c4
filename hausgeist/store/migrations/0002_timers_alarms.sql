-- Timers and alarms: what rings, when, and where to announce it.
-- Times are ISO 8601 text from the skill's clock; a row is never deleted, only moved on in
-- `state`, so a ring or a cancellation can be traced afterwards.

CREATE TABLE timers (
    id INTEGER PRIMARY KEY,
    name TEXT,                        -- the spoken name ("Pizza"), or NULL
    area TEXT,                        -- the area it belongs to (named, else the device's area)
    device TEXT,                      -- the device that set it: the ring is announced there
    conversation_id TEXT,             -- the conversation that set it
    duration_s INTEGER NOT NULL,      -- the length it was set for ("der 10 Minuten Timer")
    command TEXT,                     -- a command to run when it rings, or NULL
    state TEXT NOT NULL,              -- running | paused | rung | cancelled
    ends_at TEXT,                     -- while running: when it runs out
    remaining_s REAL,                 -- while paused: seconds left
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX timers_by_state ON timers (state);

CREATE TABLE alarms (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,                 -- when it rings
    area TEXT,                        -- the area of the device that set it
    device TEXT,                      -- the device that set it: the ring is announced there
    conversation_id TEXT,             -- the conversation that set it
    state TEXT NOT NULL,              -- set | rung | cancelled
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX alarms_by_state ON alarms (state);
