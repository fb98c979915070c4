"""Skills: one module per skill, each turning intents into actions and a German reply."""
