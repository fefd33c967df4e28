"""The HTTP API: WorkOS-compatible routes plus idgov's extensions."""
