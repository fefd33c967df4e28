"""The chain's tables and the trigger that extends it with every stored event.

``ledger.chain`` holds one link per stored event: its position, the position of the link
before it, the event's leaf hash and the chain's head after it (``encoding.py``). An AFTER
INSERT trigger on the events table appends the link in the inserting transaction, so no
event is ever committed unchained. eventsourcing takes an EXCLUSIVE lock on the events table
before it inserts, so inserting transactions run one at a time in position order and each
link follows the last one committed; an insert that would land below the head (one that
skipped that lock) fails instead of forking the chain.

``ledger.checkpoints`` holds the signed checkpoints of the head (``checkpoints.py``).

All three tables refuse UPDATE, DELETE and TRUNCATE, so a mistake cannot edit history. Their
owner or a superuser can still switch that off: the chain and the checkpoints are what then
show it.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from projections.ledger.encoding import GENESIS

SCHEMA = "ledger"

_TABLES = """
CREATE SCHEMA IF NOT EXISTS ledger;
CREATE TABLE IF NOT EXISTS ledger.chain (
    position bigint PRIMARY KEY,
    previous bigint NOT NULL,
    leaf bytea NOT NULL,
    head bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger.checkpoints (
    position bigint PRIMARY KEY,
    head bytea NOT NULL,
    signed_at timestamptz NOT NULL,
    signature bytea NOT NULL
);
"""

_APPEND = """
CREATE OR REPLACE FUNCTION ledger.append(event {events}) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    originator bytea := convert_to(event.originator_id, 'UTF8');
    topic bytea := convert_to(coalesce(event.topic, ''), 'UTF8');
    state bytea := coalesce(event.state, '');
    last ledger.chain;
    leaf bytea;
BEGIN
    SELECT * INTO last FROM ledger.chain ORDER BY position DESC LIMIT 1;
    IF last.position >= event.notification_id THEN
        RAISE EXCEPTION 'event % would be chained after position %',
            event.notification_id, last.position;
    END IF;
    leaf := sha256('\\x00'::bytea
        || int8send(event.notification_id) || int4send(length(originator)) || originator
        || int8send(event.originator_version) || int4send(length(topic)) || topic
        || int4send(length(state)) || state);
    INSERT INTO ledger.chain (position, previous, leaf, head)
    VALUES (event.notification_id, coalesce(last.position, 0), leaf,
            sha256('\\x01'::bytea || coalesce(last.head, {genesis}) || leaf));
END $$;

CREATE OR REPLACE FUNCTION ledger.chain_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ledger.append(NEW);
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER ledger_chain AFTER INSERT ON {events}
FOR EACH ROW EXECUTE FUNCTION ledger.chain_event();

CREATE OR REPLACE FUNCTION ledger.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%.% is append-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP;
END $$;
"""

_APPEND_ONLY = """
CREATE OR REPLACE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change();
"""

# Events stored before the chain existed are chained once, as they are then, in order.
_CHAIN_EXISTING = """
DO $$
DECLARE
    event {events};
BEGIN
    IF NOT EXISTS (SELECT FROM ledger.chain) THEN
        FOR event IN SELECT * FROM {events} ORDER BY notification_id LOOP
            PERFORM ledger.append(event);
        END LOOP;
    END IF;
END $$;
"""


def install(conn: psycopg.Connection[Any], events: sql.Composable) -> None:
    """Create the chain for the events table ``events`` (schema-qualified), idempotently."""
    genesis = sql.Literal(GENESIS)
    with conn.transaction():
        conn.execute(_TABLES)
        conn.execute(sql.SQL(_APPEND).format(events=events, genesis=genesis))
        for table in (events, sql.SQL("ledger.chain"), sql.SQL("ledger.checkpoints")):
            conn.execute(sql.SQL(_APPEND_ONLY).format(table=table))
        conn.execute(sql.SQL("LOCK TABLE {0} IN EXCLUSIVE MODE").format(events))
        conn.execute(sql.SQL(_CHAIN_EXISTING).format(events=events))
