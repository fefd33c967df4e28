"""Tables of the audit read model, and how an event becomes one record.

Every public event becomes a row keyed by its event-store position: when (the event's
timestamp; it is recorded in the command's transaction), who (the actor, and the principal it
acted for), from where (request id, channel, client address and user agent), what (the event
type and the objects it touched, named as they were then), the change (before and after of
each field the event states), why (the reason) and the outcome.

Events arrive one partition at a time (a user's on the environment's, a membership's on its
organization's), so a record never copies another object's name: ``names`` keeps every name
an object had from the position it got it, and a reader names a record's targets as they
were at its position. The model is the same whatever order the partitions arrive in.
"""

from __future__ import annotations

from typing import Any

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from domain.catalog import is_public
from domain.events import DomainCreatedEvent, event_type
from domain.serialization import event_to_dict
from domain.users import User
from projections.base import Handler, ReadModel

# Every event is a change that was accepted: refused commands record nothing.
SUCCEEDED = "succeeded"
_ENVELOPE = ("originator_id", "originator_version", "originator_topic", "timestamp", "context")
_PREVIOUS = "previous_"
_REMOVALS = ("deleted", "removed", "revoked")


class AuditModel(ReadModel):
    name = "audit"

    def tables(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS events ("
            " position bigint PRIMARY KEY, event_type text NOT NULL, organization_id text,"
            " occurred_at timestamptz NOT NULL, actor jsonb NOT NULL, on_behalf_of jsonb,"
            " actor_ids text[] NOT NULL,"
            " source text NOT NULL, request_id text, client_ip text, user_agent text,"
            " reason text, targets jsonb NOT NULL, target_ids text[] NOT NULL,"
            " changes jsonb NOT NULL, outcome text NOT NULL, names text NOT NULL)",
            "CREATE INDEX IF NOT EXISTS events_by_organization ON events"
            " (organization_id, position)",
            "CREATE INDEX IF NOT EXISTS events_by_type ON events (event_type, position)",
            "CREATE INDEX IF NOT EXISTS events_by_actor ON events USING gin (actor_ids)",
            "CREATE INDEX IF NOT EXISTS events_by_target ON events USING gin (target_ids)",
            "CREATE INDEX IF NOT EXISTS events_by_time ON events (occurred_at)",
            # The objects an object's creation named (a membership's user and organization),
            # by id, with their kind; its later events share its partition, so it is known.
            "CREATE TABLE IF NOT EXISTS objects (id text PRIMARY KEY, related jsonb NOT NULL)",
            # Every name an object had, from the position of the event that gave it.
            "CREATE TABLE IF NOT EXISTS names ("
            " id text NOT NULL, position bigint NOT NULL, name text NOT NULL,"
            " PRIMARY KEY (id, position))",
        ]

    def handlers(self) -> dict[type[Any], Handler]:
        return {}  # every public event is recorded, by ``apply``

    def apply(self, cursor: Cursor[DictRow], event: Any, position: int) -> None:
        if not is_public(event):
            return
        state = event_to_dict(event)
        facts = {k: v for k, v in state.items() if k not in _ENVELOPE}
        context = state["context"]
        kind = event_type(type(event))
        refs = _references(facts)
        if context["organization_id"]:
            refs.setdefault(context["organization_id"], "organization")
        _remember(cursor, event, position, _display_name(event, facts), refs)
        targets = _targets(cursor, kind.partition(".")[0], event.originator_id, refs)
        actors = [context["actor"], context["on_behalf_of"]]
        cursor.execute(
            "INSERT INTO events (position, event_type, organization_id, occurred_at, actor,"
            " on_behalf_of, actor_ids, source, request_id, client_ip, user_agent, reason,"
            " targets, target_ids, changes, outcome, names) VALUES (%s, %s, %s, %s, %s, %s, %s,"
            " %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (position) DO NOTHING",
            (
                position,
                kind,
                context["organization_id"] or facts.get("organization_id"),
                event.timestamp,
                Jsonb(context["actor"]),
                Jsonb(context["on_behalf_of"]) if context["on_behalf_of"] else None,
                [a["id"] for a in actors if a is not None],
                context["source"],
                context["request_id"],
                context["client_ip"],
                context["user_agent"],
                context["reason"],
                Jsonb(targets),
                [t["id"] for t in targets],
                Jsonb(_changes(event, facts)),
                SUCCEEDED,
                _searchable(targets, actors, facts),
            ),
        )


def _searchable(
    targets: list[dict[str, Any]], actors: list[dict[str, Any] | None], facts: dict[str, Any]
) -> str:
    """The names the event itself states, which free text finds it by beside its targets' names
    then: those it changed from and to (a rename is found by the old name too), and the
    actors' as the request gave them."""
    names = [x["name"] for x in actors if x and x["name"]]
    names += [v for k, v in facts.items() if k.endswith(("name", "email")) and isinstance(v, str)]
    return "\n".join(dict.fromkeys(names))


def _display_name(event: Any, facts: dict[str, Any]) -> str | None:
    """The name an event gives its object, if it gives one: users go by their email, as
    WorkOS shows them."""
    if isinstance(event, User.Created | User.EmailChanged):
        return str(facts["email"])
    name = facts.get("name")
    return name if isinstance(name, str) else None


def _remember(
    cursor: Cursor[DictRow], event: Any, position: int, name: str | None, refs: dict[str, str]
) -> None:
    if isinstance(event, DomainCreatedEvent):
        cursor.execute(
            "INSERT INTO objects (id, related) VALUES (%s, %s)"
            " ON CONFLICT (id) DO UPDATE SET related = excluded.related",
            (event.originator_id, Jsonb(refs)),
        )
    if name is not None:
        cursor.execute(
            "INSERT INTO names (id, position, name) VALUES (%s, %s, %s)"
            " ON CONFLICT (id, position) DO NOTHING",
            (event.originator_id, position, name),
        )


def _references(facts: dict[str, Any]) -> dict[str, str]:
    """The objects an event's facts name by id, with their kind (from the field's name)."""
    refs: dict[str, str] = {}
    for field, value in facts.items():
        if field.endswith("_id") and isinstance(value, str) and field != "external_id":
            kind = field.removeprefix(_PREVIOUS).removeprefix("from_").removesuffix("_id")
            refs.setdefault(value, kind.removeprefix("parent_"))
    return refs


def _targets(
    cursor: Cursor[DictRow], aggregate: str, aggregate_id: str, refs: dict[str, str]
) -> list[dict[str, Any]]:
    """The event's own object first, then the objects its facts name, then those its object's
    creation named (a roles change names the membership's user and organization)."""
    row = cursor.execute("SELECT related FROM objects WHERE id = %s", (aggregate_id,)).fetchone()
    everything = {aggregate_id: aggregate, **refs}
    for ref, kind in (row["related"] if row else {}).items():
        everything.setdefault(ref, kind)
    return [{"type": kind, "id": ref} for ref, kind in everything.items()]


def _changes(event: Any, facts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Before and after of each field: a creation has no before, a removal no after, and a
    change states its before as ``previous_<field>`` (unknown for events recorded before it
    did)."""
    if isinstance(event, DomainCreatedEvent):
        return {k: {"before": None, "after": v} for k, v in facts.items()}
    if type(event).__name__.lower() in _REMOVALS:
        return {k: {"before": v, "after": None} for k, v in facts.items()}
    return {
        k: {"before": facts.get(_PREVIOUS + k), "after": v}
        for k, v in facts.items()
        if not k.startswith(_PREVIOUS)
    }
