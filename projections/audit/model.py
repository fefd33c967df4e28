"""Tables of the audit read model, and how an event becomes one record.

Every public event becomes a row keyed by its event-store position: when (the event's
timestamp; it is recorded in the command's transaction), who (the actor, and the principal it
acted for), from where (request id, channel, client address and user agent), what (the event
type and the objects it touched, named as they were then), the change (before and after of
each field the event states), why (the reason) and the outcome. Names come from ``objects``,
which this model keeps from the events themselves, so a record shows the name an object had
when the event happened.
"""

from __future__ import annotations

from typing import Any

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from domain.catalog import is_public
from domain.events import DomainCreatedEvent, event_type
from domain.memberships import OrganizationMembership
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
            # Every object as the events have told it so far: its latest name, and the objects
            # its creation named (a membership's user and organization), by id, with their kind.
            "CREATE TABLE IF NOT EXISTS objects ("
            " id text PRIMARY KEY, name text, related jsonb NOT NULL DEFAULT '{}')",
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
        _remember(cursor, event, _display_name(cursor, event, facts), refs)
        targets = _targets(cursor, kind.partition(".")[0], event.originator_id, refs)
        actors = [context["actor"], context["on_behalf_of"]]
        actor_names = _names(cursor, [a["id"] for a in actors if a is not None])
        for actor in filter(None, actors):
            actor["name"] = actor["name"] or actor_names.get(actor["id"])
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
    """The names free text finds a record by: its targets' and actors' names, and the names an
    event changed from and to (a rename is found by the old name too)."""
    names = [x["name"] for x in [*targets, *actors] if x and x["name"]]
    names += [v for k, v in facts.items() if k.endswith(("name", "email")) and isinstance(v, str)]
    return "\n".join(dict.fromkeys(names))


def _display_name(cursor: Cursor[DictRow], event: Any, facts: dict[str, Any]) -> str | None:
    """The name an event gives its object, if it gives one: users go by their email, as
    WorkOS shows them, and a membership by its user's."""
    if isinstance(event, User.Created | User.EmailChanged):
        return str(facts["email"])
    if isinstance(event, OrganizationMembership.Created):
        return _names(cursor, [facts["user_id"]]).get(facts["user_id"])
    name = facts.get("name")
    return name if isinstance(name, str) else None


def _remember(cursor: Cursor[DictRow], event: Any, name: str | None, refs: dict[str, str]) -> None:
    if isinstance(event, DomainCreatedEvent):
        cursor.execute(
            "INSERT INTO objects (id, name, related) VALUES (%s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name, related = excluded.related",
            (event.originator_id, name, Jsonb(refs)),
        )
    elif name is not None:
        cursor.execute(
            "INSERT INTO objects (id, name) VALUES (%s, %s)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            (event.originator_id, name),
        )


def _names(cursor: Cursor[DictRow], ids: list[str]) -> dict[str, str]:
    rows = cursor.execute(
        "SELECT id, name FROM objects WHERE id = ANY(%s) AND name IS NOT NULL", (ids,)
    ).fetchall()
    return {row["id"]: row["name"] for row in rows}


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
    names = _names(cursor, list(everything))
    return [{"type": kind, "id": ref, "name": names.get(ref)} for ref, kind in everything.items()]


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
