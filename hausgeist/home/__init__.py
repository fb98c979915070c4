"""The home: what hausgeist knows about a household's rooms and devices."""
