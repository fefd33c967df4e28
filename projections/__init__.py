"""Read models: their schema, the pure code that applies an event to them, and their queries."""
