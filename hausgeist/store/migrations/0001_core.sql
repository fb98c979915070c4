-- The core of a household's state: devices, lists, dialogs, settings.

CREATE TABLE device_state (
    entity TEXT PRIMARY KEY,          -- the device's name as in the home file
    state TEXT NOT NULL,              -- JSON: {"state": "on", "brightness": 80, ...}
    updated_at TEXT NOT NULL
);

CREATE TABLE list_items (
    id INTEGER PRIMARY KEY,
    list TEXT NOT NULL,               -- the list's name ("Einkaufsliste")
    item TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX list_items_by_list ON list_items (list, done);

CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    pending TEXT,                     -- JSON of the question or confirmation waiting, or NULL
    expires_at TEXT,
    last_intent TEXT,
    last_slots TEXT,                  -- JSON, for follow-ups ("und im Schlafzimmer auch")
    last_response TEXT,               -- the response template key of the last request
    updated_at TEXT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL               -- JSON
);
