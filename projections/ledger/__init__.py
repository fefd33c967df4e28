"""Tamper evidence for the event store: a hash chain over the stored events, kept by
PostgreSQL in the transaction that inserts them (``schema``), the canonical encoding it hashes
(``encoding``), signed checkpoints of its head (``checkpoints``) and the verifier that
recomputes all of it and names the first position where history was changed (``verify``).

Derived from the event store like a read model, but never rebuilt: a rebuilt chain would hash
whatever the store holds now, edits included.
"""
