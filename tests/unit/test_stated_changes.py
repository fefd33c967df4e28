"""Events state what they changed: before and after of a change, what a removal removed; and
events of the older shape, which carried only the new value or the id, still load."""

from __future__ import annotations

import json
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.application import IdentityApplication
from domain.events import Actor, EventContext
from domain.memberships import OrganizationMembership
from domain.organizations import Organization
from domain.role_assignments import RoleAssignment
from domain.serialization import event_to_dict
from domain.store import EventStore
from tests.unit.log_index import IN_MEMORY, in_memory_app

USER = Actor(type="user", id="user_auditor")
CONTEXT = EventContext(
    actor=Actor(type="api_key", id="key_audit"),
    source="api",
    on_behalf_of=USER,
    client_ip="203.0.113.9",
    user_agent="curl/8",
)


def _events(app: IdentityApplication, aggregate_id: str) -> list[dict[str, Any]]:
    return [
        event_to_dict(app.store.mapper.to_domain_event(stored))
        for stored in app.store.recorder.select_events(aggregate_id)
    ]


def test_membership_events_state_roles_before_and_what_a_removal_removed() -> None:
    app = in_memory_app(EventStore(env=IN_MEMORY))
    for slug in ("viewer", "admin"):
        app.schema.create_role(
            CONTEXT, slug=slug, name=slug, description=None, resource_type_slug=None
        )
    org = app.organizations.create_organization(CONTEXT, name="Acme").value
    user = app.users.create_user(CONTEXT, email="ada@example.com").value
    m = app.memberships.create_membership(
        CONTEXT, user_id=user.id, organization_id=org.id, role_slugs=["viewer"]
    ).value
    app.memberships.change_membership_roles(CONTEXT, m.id, ["admin"])
    app.memberships.deactivate_membership(CONTEXT, m.id)
    app.memberships.delete_membership(CONTEXT, m.id)

    _, changed, deactivated, deleted = _events(app, m.id)
    assert (changed["previous_role_slugs"], changed["role_slugs"]) == (["viewer"], ["admin"])
    for removal in (deactivated, deleted):
        assert (removal["user_id"], removal["organization_id"]) == (user.id, org.id)
        assert removal["role_slugs"] == ["admin"]
    assert deleted["context"]["on_behalf_of"] == {"type": "user", "id": USER.id, "name": None}
    assert deleted["context"]["client_ip"] == "203.0.113.9"

    app.organizations.update_organization(CONTEXT, org.id, name="Acme Inc")
    renamed = _events(app, org.id)[1]
    assert (renamed["previous_name"], renamed["name"]) == ("Acme", "Acme Inc")


def _store_v1(app: IdentityApplication, event_class: type[Any], state: dict[str, Any]) -> None:
    state = {
        "timestamp": "2024-05-01T12:00:00.000001Z",
        # The context as it was stored before it named a principal, an address or a client.
        "context": {"actor": {"type": "api_key", "id": "key_old"}, "source": "api"},
        **state,
    }
    app.store.recorder.insert_events(
        [StoredEvent("om_old", 2, get_topic(event_class), json.dumps(state).encode())]
    )


def test_events_of_the_older_shape_still_load() -> None:
    app = in_memory_app(EventStore(env=IN_MEMORY))
    cases: list[tuple[type[Any], dict[str, Any], dict[str, Any]]] = [
        (
            OrganizationMembership.RolesChanged,
            {"role_slugs": ["admin"]},
            {"previous_role_slugs": None},
        ),
        (
            OrganizationMembership.Deleted,
            {},
            {"user_id": None, "organization_id": None, "role_slugs": None},
        ),
        (
            RoleAssignment.Removed,
            {},
            {"organization_membership_id": None, "role_slug": None, "resource_id": None},
        ),
        (Organization.Renamed, {"name": "New"}, {"previous_name": None}),
    ]
    for event_class, old_state, added in cases:
        app = in_memory_app(EventStore(env=IN_MEMORY))
        _store_v1(app, event_class, old_state)
        (stored,) = app.store.recorder.select_events("om_old")
        loaded = app.store.mapper.to_domain_event(stored)
        assert isinstance(loaded, event_class)
        state = event_to_dict(loaded)
        assert {name: state[name] for name in added} == added
        assert state["context"]["on_behalf_of"] is None
        assert state["context"]["client_ip"] is None
