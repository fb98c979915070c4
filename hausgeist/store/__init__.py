"""Persistence: SQLite under the data directory by default, schema migrations from the start."""
