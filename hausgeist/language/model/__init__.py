"""The trained fallback: an intent classifier and a slot tagger for what the grammar misses."""
