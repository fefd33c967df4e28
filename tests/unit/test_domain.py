"""The command side on eventsourcing's in-memory persistence: context, uniqueness, the
membership state machine, optimistic concurrency, the pydantic mapper and upcasting."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from eventsourcing.domain import event
from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.utils import get_topic

from domain import ids
from domain.api_keys import ApiKey
from domain.application import IdentityApplication
from domain.catalog import EVENT_CLASSES, is_public
from domain.environment import Environment
from domain.errors import Conflict, NotFound, Rejected
from domain.events import Actor, EventContext, IdgovAggregate, event_type
from domain.memberships import OrganizationMembership
from domain.organizations import Organization
from domain.serialization import event_from_state, event_schema, event_to_dict, event_to_json
from domain.store import MAX_ATTEMPTS, EventStore
from domain.uniqueness import Claim, claim_id
from domain.users import User
from tests.unit.log_index import in_memory_app

POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
ACTOR = Actor(type="api_key", id="key_test", name="tests")
CONTEXT = EventContext(actor=ACTOR, source="api", request_id="req_domain", reason="because")


def _new_app(cls: type[EventStore] = EventStore) -> IdentityApplication:
    return in_memory_app(cls(env=POPO))


@pytest.fixture
def app() -> IdentityApplication:
    return _new_app()


def _all_events(app: IdentityApplication) -> list[Any]:
    return [
        app.store.mapper.to_domain_event(n)
        for n in app.store.recorder.select_notifications(start=None, limit=100_000)
    ]


def _code(error: pytest.ExceptionInfo[Any]) -> str:
    return str(error.value.code)


def _with_roles(app: IdentityApplication, *slugs: str) -> None:
    """Environment roles for memberships to hold (only existing roles are accepted)."""
    for slug in slugs:
        app.schema.create_role(
            CONTEXT, slug=slug, name=slug.title(), description=None, resource_type_slug=None
        )


# ---------------------------------------------------------------- context --


def _exercise_every_use_case(
    app: IdentityApplication, context: EventContext = CONTEXT
) -> dict[str, str]:
    """Produce at least one event of every public type; returns the ids it created."""
    app.environment.initialize_environment(context)  # seeds the admin role
    key, _ = app.api_keys.create_api_key(context, name="ci")
    app.api_keys.revoke_api_key(context, key.value.id)
    org = app.organizations.create_organization(context, name="Acme", external_id="acme").value
    app.organizations.update_organization(
        context,
        org.id,
        name="Acme Inc",
        external_id="acme-inc",
        metadata={"tier": "gold"},
        domains=[("acme.com", "verified")],
        stripe_customer_id="cus_1",
        allow_profiles_outside_organization=True,
    )
    user = app.users.create_user(
        context, email="Ada@Example.com", first_name="Ada", external_id="u-1"
    ).value
    app.users.update_user(context, user.id, first_name="Ada", last_name="Lovelace")
    app.users.update_user(context, user.id, email="ada@lovelace.dev")
    app.users.update_user(context, user.id, email_verified=True)
    app.users.update_user(context, user.id, external_id="u-2")
    app.users.update_user(context, user.id, metadata={"team": "analytics"})
    membership = app.memberships.create_membership(
        context, user_id=user.id, organization_id=org.id
    ).value
    app.memberships.change_membership_roles(context, membership.id, ["admin"])
    app.memberships.deactivate_membership(context, membership.id)
    app.memberships.reactivate_membership(context, membership.id)
    app.memberships.delete_membership(context, membership.id)
    # Cascades: the organization takes a new membership with it.
    other = app.users.create_user(context, email="grace@example.com").value
    app.memberships.create_membership(context, user_id=other.id, organization_id=org.id)
    app.organizations.delete_organization(context, org.id)
    app.users.delete_user(context, user.id)
    return {"organization": org.id, "user": user.id, "other": other.id, "membership": membership.id}


def test_every_event_carries_its_context(app: IdentityApplication) -> None:
    made = _exercise_every_use_case(app)
    events = _all_events(app)
    assert events
    for e in events:
        assert e.context.actor == ACTOR, e
        assert e.context.source == "api", e
        assert e.context.request_id == "req_domain", e
        assert e.context.reason == "because", e
        assert e.timestamp.tzinfo is not None, e

    def org_of(e: Any) -> str | None:
        return e.context.organization_id  # type: ignore[no-any-return]

    by_aggregate: dict[str, set[str | None]] = {}
    for e in events:
        by_aggregate.setdefault(e.originator_id, set()).add(org_of(e))
    assert by_aggregate[made["organization"]] == {made["organization"]}
    assert by_aggregate[made["membership"]] == {made["organization"]}
    # Users and the environment belong to no organization.
    assert by_aggregate[made["user"]] == {None}
    assert by_aggregate["environment"] == {None}
    # The cascade's membership removal is stamped with the organization too.
    cascaded = [e for e in events if isinstance(e, OrganizationMembership.Deleted)]
    assert len(cascaded) == 2
    assert {org_of(e) for e in cascaded} == {made["organization"]}


DIRECTORY_AGGREGATES = (Environment, ApiKey, Organization, User, OrganizationMembership)


def _types_of(*aggregates: type[IdgovAggregate]) -> set[str]:
    return {
        name
        for name, cls in EVENT_CLASSES.items()
        if cls.__qualname__.split(".")[0] in {a.__name__ for a in aggregates}
    }


def test_use_cases_produce_every_event_type_of_the_directory(app: IdentityApplication) -> None:
    _exercise_every_use_case(app)
    produced = {event_type(type(e)) for e in _all_events(app) if is_public(e)}
    wanted = _types_of(*DIRECTORY_AGGREGATES)
    assert len(wanted) >= 23
    assert wanted <= produced, sorted(wanted - produced)


# ------------------------------------------------------------- uniqueness --


def test_organization_external_id_is_unique_released_and_retaken(app: IdentityApplication) -> None:
    first = app.organizations.create_organization(CONTEXT, name="One", external_id="shared").value
    with pytest.raises(Conflict) as taken:
        app.organizations.create_organization(CONTEXT, name="Two", external_id="shared")
    assert _code(taken) == "external_id_already_exists"

    second = app.organizations.create_organization(CONTEXT, name="Two", external_id="other").value
    with pytest.raises(Conflict) as on_update:
        app.organizations.update_organization(CONTEXT, second.id, external_id="shared")
    assert _code(on_update) == "external_id_already_exists"
    assert app.store.get_organization(second.id).external_id == "other"

    # Changing it releases the old value, and the claim can be taken again.
    app.organizations.update_organization(CONTEXT, first.id, external_id="moved")
    app.organizations.update_organization(CONTEXT, second.id, external_id="shared")
    assert app.store.get_organization(second.id).external_id == "shared"
    with pytest.raises(Conflict):
        app.organizations.create_organization(CONTEXT, name="Three", external_id="moved")

    # Clearing and deleting release it too.
    app.organizations.update_organization(CONTEXT, second.id, external_id=None)
    third = app.organizations.create_organization(CONTEXT, name="Three", external_id="shared").value
    app.organizations.delete_organization(CONTEXT, first.id)
    fourth = app.organizations.create_organization(CONTEXT, name="Four", external_id="moved").value
    assert app.store.get_organization(third.id).external_id == "shared"
    assert app.store.get_organization(fourth.id).external_id == "moved"
    claim = app.store.repository.get(claim_id("org_external_id", "moved"))
    assert isinstance(claim, Claim)
    assert claim.owner_id == fourth.id
    # Claim history: created, released (by the delete), taken again.
    assert [type(e).__qualname__ for e in app.store.events.get(claim.id)] == [
        "Claim.Created",
        "Claim.Released",
        "Claim.Taken",
    ]


def test_email_is_unique_case_insensitively(app: IdentityApplication) -> None:
    ada = app.users.create_user(CONTEXT, email="Ada@Example.COM").value
    assert ada.email == "ada@example.com"
    for spelling in ("ada@example.com", "ADA@EXAMPLE.COM", "aDa@ExAmPlE.cOm"):
        with pytest.raises(Conflict) as taken:
            app.users.create_user(CONTEXT, email=spelling)
        assert _code(taken) == "email_not_available"

    grace = app.users.create_user(CONTEXT, email="grace@example.com").value
    with pytest.raises(Conflict) as on_update:
        app.users.update_user(CONTEXT, grace.id, email="ADA@example.com")
    assert _code(on_update) == "email_not_available"
    # A user may re-spell their own address: it stays theirs.
    app.users.update_user(CONTEXT, ada.id, email="ADA@example.com")
    assert app.store.get_user(ada.id).email == "ada@example.com"

    # Changing the email releases the old one; deleting the user releases theirs.
    app.users.update_user(CONTEXT, ada.id, email="ada@lovelace.dev")
    again = app.users.create_user(CONTEXT, email="Ada@example.com").value
    app.users.delete_user(CONTEXT, grace.id)
    grace2 = app.users.create_user(CONTEXT, email="GRACE@example.com").value
    assert {again.email, grace2.email} == {"ada@example.com", "grace@example.com"}
    with pytest.raises(Conflict):
        app.users.create_user(CONTEXT, email="ada@lovelace.dev")


def test_user_external_id_is_unique_and_released(app: IdentityApplication) -> None:
    one = app.users.create_user(CONTEXT, email="one@example.com", external_id="hr-1").value
    with pytest.raises(Conflict) as taken:
        app.users.create_user(CONTEXT, email="two@example.com", external_id="hr-1")
    assert _code(taken) == "external_id_already_exists"
    # The failed create left no trace: its email is still free.
    two = app.users.create_user(CONTEXT, email="two@example.com").value
    app.users.update_user(CONTEXT, one.id, external_id=None)
    app.users.update_user(CONTEXT, two.id, external_id="hr-1")
    assert app.store.get_user(two.id).external_id == "hr-1"


def test_membership_pair_is_unique_and_retaken_after_delete(app: IdentityApplication) -> None:
    _with_roles(app, "admin")
    org = app.organizations.create_organization(CONTEXT, name="Acme").value
    user = app.users.create_user(CONTEXT, email="m@example.com").value
    first = app.memberships.create_membership(
        CONTEXT, user_id=user.id, organization_id=org.id
    ).value
    assert first.role_slugs == ("member",)
    with pytest.raises(Conflict) as taken:
        app.memberships.create_membership(
            CONTEXT, user_id=user.id, organization_id=org.id, role_slugs=["admin"]
        )
    assert _code(taken) == "organization_membership_already_exists"

    app.memberships.delete_membership(CONTEXT, first.id)
    with pytest.raises(NotFound):
        app.store.get_membership(first.id)
    second = app.memberships.create_membership(
        CONTEXT, user_id=user.id, organization_id=org.id
    ).value
    assert second.id != first.id
    claim = app.store.repository.get(claim_id("membership", f"{user.id}/{org.id}"))
    assert claim.owner_id == second.id


def test_membership_of_unknown_user_or_organization_is_not_found(app: IdentityApplication) -> None:
    org = app.organizations.create_organization(CONTEXT, name="Acme").value
    user = app.users.create_user(CONTEXT, email="x@example.com").value
    with pytest.raises(NotFound):
        app.memberships.create_membership(
            CONTEXT, user_id=ids.new_id(ids.USER), organization_id=org.id
        )
    with pytest.raises(NotFound):
        app.memberships.create_membership(
            CONTEXT, user_id=user.id, organization_id=ids.new_id(ids.ORGANIZATION)
        )
    app.organizations.delete_organization(CONTEXT, org.id)
    with pytest.raises(NotFound):
        app.memberships.create_membership(CONTEXT, user_id=user.id, organization_id=org.id)


# ---------------------------------------------------- membership states --


def _events_of(app: IdentityApplication, aggregate_id: str) -> list[str]:
    return [type(e).__qualname__.rpartition(".")[2] for e in app.store.events.get(aggregate_id)]


def test_membership_active_inactive_transitions(app: IdentityApplication) -> None:
    _with_roles(app, "viewer", "admin")
    org = app.organizations.create_organization(CONTEXT, name="Acme").value
    user = app.users.create_user(CONTEXT, email="s@example.com").value
    m = app.memberships.create_membership(
        CONTEXT, user_id=user.id, organization_id=org.id, role_slugs=["viewer"]
    ).value
    assert m.status == "active"

    assert app.memberships.deactivate_membership(CONTEXT, m.id).value.status == "inactive"
    # Idempotent: deactivating an inactive membership records nothing and changes no position.
    again = app.memberships.deactivate_membership(CONTEXT, m.id)
    assert again.value.status == "inactive"
    assert again.position is None
    assert app.memberships.reactivate_membership(CONTEXT, m.id).value.status == "active"
    assert app.memberships.reactivate_membership(CONTEXT, m.id).position is None
    assert _events_of(app, m.id) == ["Created", "Deactivated", "Reactivated"]

    # Creating the pair again while inactive reactivates the same membership with the new roles.
    app.memberships.deactivate_membership(CONTEXT, m.id)
    revived = app.memberships.create_membership(
        CONTEXT, user_id=user.id, organization_id=org.id, role_slugs=["admin"]
    ).value
    assert revived.id == m.id
    assert revived.status == "active"
    assert revived.role_slugs == ("admin",)
    assert _events_of(app, m.id)[-2:] == ["Reactivated", "RolesChanged"]

    # Roles default to the default role; an unchanged role list records nothing.
    assert app.memberships.change_membership_roles(CONTEXT, m.id, []).value.role_slugs == (
        "member",
    )
    assert app.memberships.change_membership_roles(CONTEXT, m.id, ["member"]).position is None


def test_pending_membership_cannot_be_deactivated_reactivated_or_recreated(
    app: IdentityApplication,
) -> None:
    org = app.organizations.create_organization(CONTEXT, name="Acme").value
    user = app.users.create_user(CONTEXT, email="p@example.com").value
    context = CONTEXT.for_organization(org.id)
    pending = OrganizationMembership(
        id=ids.new_id(ids.MEMBERSHIP),
        user_id=user.id,
        organization_id=org.id,
        role_slugs=("member",),
        status="pending",
        context=context,
    )
    claim = Claim(
        kind="membership", value=f"{user.id}/{org.id}", owner_id=pending.id, context=context
    )
    app.store.save(pending, claim)

    with pytest.raises(Rejected) as deactivate:
        app.memberships.deactivate_membership(CONTEXT, pending.id)
    assert _code(deactivate) == "cannot_deactivate_pending_organization_membership"
    with pytest.raises(Rejected) as reactivate:
        app.memberships.reactivate_membership(CONTEXT, pending.id)
    assert _code(reactivate) == "cannot_reactivate_pending_organization_membership"
    with pytest.raises(Rejected) as recreate:
        app.memberships.create_membership(CONTEXT, user_id=user.id, organization_id=org.id)
    assert _code(recreate) == "cannot_reactivate_pending_organization_membership"
    assert app.store.get_membership(pending.id).status == "pending"
    assert _events_of(app, pending.id) == ["Created"]
    # A pending membership can still be removed, which frees the pair.
    app.memberships.delete_membership(CONTEXT, pending.id)
    assert (
        app.memberships.create_membership(
            CONTEXT, user_id=user.id, organization_id=org.id
        ).value.status
        == "active"
    )


def test_deleting_an_organization_or_user_removes_their_memberships(
    app: IdentityApplication,
) -> None:
    acme = app.organizations.create_organization(CONTEXT, name="Acme").value
    globex = app.organizations.create_organization(CONTEXT, name="Globex").value
    ada = app.users.create_user(CONTEXT, email="ada@example.com").value
    bob = app.users.create_user(CONTEXT, email="bob@example.com").value
    m1 = app.memberships.create_membership(CONTEXT, user_id=ada.id, organization_id=acme.id).value
    m2 = app.memberships.create_membership(CONTEXT, user_id=bob.id, organization_id=acme.id).value
    m3 = app.memberships.create_membership(CONTEXT, user_id=ada.id, organization_id=globex.id).value

    app.organizations.delete_organization(CONTEXT, acme.id)
    for gone in (m1.id, m2.id):
        with pytest.raises(NotFound):
            app.store.get_membership(gone)
    assert app.store.get_membership(m3.id).status == "active"

    app.users.delete_user(CONTEXT, ada.id)
    with pytest.raises(NotFound):
        app.store.get_membership(m3.id)
    with pytest.raises(NotFound):
        app.store.get_organization(acme.id)
    with pytest.raises(NotFound):
        app.users.delete_user(CONTEXT, ada.id)


# --------------------------------------------------- optimistic concurrency --


def _racing_pair() -> tuple[IdentityApplication, IdentityApplication, list[int]]:
    """Two application instances over one recorder; the first runs a hook just before it saves."""
    shared: list[ApplicationRecorder] = []
    saves: list[int] = []

    class Instance(EventStore):
        before_save: Callable[[], None] | None = None
        keep_racing = False

        def construct_recorder(self) -> ApplicationRecorder:
            if not shared:
                shared.append(super().construct_recorder())
            return shared[0]

        def save(self, *objs: Any, **kwargs: Any) -> Any:
            hook = self.before_save
            if not self.keep_racing:
                self.before_save = None
            if hook is not None:
                hook()
            saves.append(1)
            return super().save(*objs, **kwargs)

    one, two = _new_app(Instance), _new_app(Instance)
    assert one.store.recorder is two.store.recorder
    return one, two, saves


def test_concurrent_commands_on_one_aggregate_retry_and_lose_nothing() -> None:
    one, two, saves = _racing_pair()
    org = one.organizations.create_organization(CONTEXT, name="Acme").value
    saves.clear()

    # While ``one`` decides on version 1, ``two`` records version 2 first.
    one.store.before_save = lambda: two.organizations.update_organization(
        CONTEXT, org.id, metadata={"by": "two"}
    )  # type: ignore[attr-defined]
    result = one.organizations.update_organization(CONTEXT, org.id, name="Renamed by one")

    # one: failed save + retried save; two: its own save in between.
    assert len(saves) == 3
    for app in (one, two):
        current = app.store.get_organization(org.id)
        assert current.name == "Renamed by one"
        assert current.metadata == {"by": "two"}
        assert current.version == 3
    assert result.value.version == 3
    assert _events_of(one, org.id) == ["Created", "MetadataChanged", "Renamed"]


def test_a_command_that_keeps_losing_gets_a_conflict() -> None:
    one, two, _ = _racing_pair()
    org = one.organizations.create_organization(CONTEXT, name="Acme").value
    counter = iter(range(100))
    one.store.keep_racing = True  # type: ignore[attr-defined]
    one.store.before_save = lambda: two.organizations.update_organization(
        CONTEXT, org.id, name=f"two-{next(counter)}"
    )  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as lost:
        one.organizations.update_organization(CONTEXT, org.id, metadata={"by": "one"})
    assert _code(lost) == "concurrent_modification"
    current = two.store.get_organization(org.id)
    assert current.metadata == {}  # none of the losing attempts was recorded
    assert current.version == 1 + MAX_ATTEMPTS
    assert current.name == f"two-{MAX_ATTEMPTS - 1}"


def test_racing_creates_of_one_email_let_exactly_one_win() -> None:
    one, two, _ = _racing_pair()
    winner: list[str] = []
    one.store.before_save = lambda: winner.append(
        two.users.create_user(CONTEXT, email="race@example.com").value.id
    )  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as lost:
        one.users.create_user(CONTEXT, email="RACE@example.com")
    assert _code(lost) == "email_not_available"
    users = [e for e in _all_events(one) if event_type(type(e)) == "user.created"]
    assert [u.originator_id for u in users] == winner


# ------------------------------------------------------ mapper, upcasting --


def _round_trip(app: IdentityApplication, original: Any) -> None:
    stored = app.store.mapper.to_stored_event(original)
    assert stored.topic == get_topic(type(original))
    # The stored state is the pydantic JSON, without the id and version (columns of their own).
    state = json.loads(stored.state)
    assert "originator_id" not in state
    assert "originator_version" not in state
    back = app.store.mapper.to_domain_event(stored)
    assert back == original
    assert type(back) is type(original)
    # The Kafka body decodes to the same event.
    assert event_from_state(type(original), json.loads(event_to_json(original))) == original


def test_mapper_round_trips_events_built_by_the_use_cases(app: IdentityApplication) -> None:
    _exercise_every_use_case(app)
    recorded = _all_events(app)
    for original in recorded:
        _round_trip(app, original)
    assert {event_type(type(e)) for e in recorded if is_public(e)} >= _types_of(
        *DIRECTORY_AGGREGATES
    )


def _example(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """A value that fits a JSON Schema as pydantic writes them (every property filled in)."""
    if "$ref" in schema:
        return _example(defs[schema["$ref"].rpartition("/")[2]], defs)
    if "enum" in schema:
        return schema["enum"][-1]
    if "const" in schema:
        return schema["const"]
    if "anyOf" in schema:
        return _example(next(s for s in schema["anyOf"] if s.get("type") != "null"), defs)
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        return {name: _example(prop, defs) for name, prop in schema["properties"].items()}
    if kind == "object":
        return {"k": _example(schema.get("additionalProperties", {"type": "string"}), defs)}
    if kind == "array":
        if "prefixItems" in schema:
            return [_example(s, defs) for s in schema["prefixItems"]]
        return [_example(schema.get("items", {"type": "string"}), defs)]
    if schema.get("format") == "date-time":
        return "2024-02-29T23:59:59.123456Z"
    return {"string": "value", "integer": 7, "number": 1.5, "boolean": True}[kind]


def test_mapper_round_trips_every_event_type_in_the_catalog(app: IdentityApplication) -> None:
    """Every published type, including ones no use case above produces, survives the mapper."""
    assert EVENT_CLASSES
    for name, cls in EVENT_CLASSES.items():
        schema = event_schema(cls)
        state = _example(schema, schema.get("$defs", {}))
        event = event_from_state(cls, state)
        assert event_type(type(event)) == name
        _round_trip(app, event)


def test_mapper_preserves_nested_values() -> None:
    app = _new_app()
    org = app.organizations.create_organization(
        CONTEXT,
        name="Acme",
        metadata={"a": "1"},
        domains=[("Acme.COM", "verified"), ("acme.io", "pending")],
    ).value
    (created,) = [e for e in _all_events(app) if isinstance(e, Organization.Created)]
    again = app.store.mapper.to_domain_event(app.store.mapper.to_stored_event(created))
    assert again.domains == org.domains
    assert [d.domain for d in again.domains] == ["acme.com", "acme.io"]
    assert isinstance(again.domains, tuple)
    assert again.timestamp == created.timestamp  # microseconds and timezone survive


class Gadget(IdgovAggregate):
    """A test-local aggregate whose created event gained a field in version 2."""

    class Created(IdgovAggregate.Created):
        class_version = 2
        name: str
        color: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> dict[str, Any]:
            return {**state, "color": "unpainted"}

    @event(Created)
    def __init__(self, id: str, name: str, color: str, context: EventContext) -> None:
        self.name = name
        self.color = color


def test_upcasting_reads_version_1_state_as_version_2(app: IdentityApplication) -> None:
    gadget_id = "gadget_01"
    v1_state = {
        "timestamp": "2024-05-01T12:00:00.000001Z",
        "context": {"actor": {"type": "system", "id": "idgov"}, "source": "system"},
        "originator_topic": get_topic(Gadget),
        "name": "old",
    }
    app.store.recorder.insert_events(
        [
            StoredEvent(
                originator_id=gadget_id,
                originator_version=1,
                topic=get_topic(Gadget.Created),
                state=json.dumps(v1_state).encode(),
            )
        ]
    )
    old = app.store.repository.get(gadget_id)
    assert isinstance(old, Gadget)
    assert (old.name, old.color) == ("old", "unpainted")
    assert old.version == 1

    # New events are written as version 2 and read back unchanged.
    new = Gadget(id="gadget_02", name="new", color="red", context=CONTEXT)
    app.store.save(new)
    (stored,) = app.store.recorder.select_events("gadget_02")
    assert json.loads(stored.state)["class_version"] == 2
    assert app.store.repository.get("gadget_02").color == "red"
    created = app.store.mapper.to_domain_event(stored)
    assert event_to_dict(created)["color"] == "red"


def test_text_that_cannot_be_stored_reads_repaired(app: IdentityApplication) -> None:
    """Events accepted before the API refused NUL and lone surrogates read with U+FFFD in their
    place (the stored event is untouched); a surrogate pair is a character like any other."""
    org = app.organizations.create_organization(CONTEXT, name="a\x00b \ud800 \U0001f600").value
    stored = app.store.recorder.select_events(org.id)[0]
    assert b"\\u0000" in stored.state  # kept as it was recorded
    read = app.store.events.get(org.id)
    first = next(iter(read))
    assert isinstance(first, Organization.Created)
    assert first.name == "a\ufffdb \ufffd \U0001f600"
    assert app.store.get_organization(org.id).name == "a\ufffdb \ufffd \U0001f600"
