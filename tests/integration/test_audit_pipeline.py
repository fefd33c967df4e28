"""Stated changes on Kafka, and the audit model fed from it: the messages carry before and
after and what a removal removed; an event stored in the older shape is published upcast; the
audit model a worker builds from the topic equals one rebuilt from the event store."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from psycopg import sql

from consumers.follower import follow
from consumers.replay import feed
from consumers.worker import ProjectionWorker
from domain.events import Actor
from domain.memberships import OrganizationMembership
from idgov.bootstrap import System
from idgov.database import Database
from tests.integration.support import (
    CONTEXT,
    body_of,
    consume_all,
    drain,
    dump,
    headers_of,
    is_watermark,
    open_system,
    position_of,
    relay_everything,
    settings,
)

pytestmark = pytest.mark.kafka

ALICE = Actor(type="user", id="user_alice")
AUDIT_TABLES = ("events", "objects", "names")


def _story(system: System) -> dict[str, str]:
    app = system.commands
    context = CONTEXT.__class__(**{**vars(CONTEXT), "on_behalf_of": ALICE})
    for slug in ("viewer", "editor"):
        app.schema.create_role(
            context, slug=slug, name=slug, description=None, resource_type_slug=None
        )
    org = app.organizations.create_organization(context, name="Initech").value
    user = app.users.create_user(context, email="peter@initech.example").value
    membership = app.memberships.create_membership(
        context, user_id=user.id, organization_id=org.id, role_slugs=["viewer"]
    ).value
    app.memberships.change_membership_roles(context, membership.id, ["editor"])
    app.organizations.update_organization(context, org.id, name="Initrode")
    app.memberships.delete_membership(context, membership.id)
    return {"org": org.id, "user": user.id, "membership": membership.id}


def _store_old_roles_change(system: System, membership_id: str) -> None:
    """A roles change as version 1 stored it: the new roles only, no principal in the context."""
    state = {
        "timestamp": "2024-05-01T12:00:00.000001Z",
        "context": {"actor": {"type": "api_key", "id": "key_old"}, "source": "api"},
        "role_slugs": ["viewer"],
    }
    topic = get_topic(OrganizationMembership.RolesChanged)
    event = StoredEvent(membership_id, 2, topic, json.dumps(state).encode())
    system.store.recorder.insert_events([event])


def test_messages_state_their_changes_and_the_audit_model_records_each(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    database_url, topic = new_database(), new_topic()
    embedded = System(settings(database_url, kafka_bootstrap=None), Database.from_url(database_url))
    with contextlib.closing(embedded) as system, contextlib.ExitStack() as followers:
        # The commands' cascades read the access and directory models: they follow the store.
        for name in ("access", "directory"):
            followers.enter_context(follow(system.views[name], system.env))
        made = _story(system)
        _store_old_roles_change(system, "om_old")
    with open_system(database_url, kafka_bootstrap, topic) as system:
        relay_everything(system, kafka_bootstrap, topic)

        bodies: dict[tuple[str, str], dict[str, Any]] = {}
        messages = [r for r in consume_all(kafka_bootstrap, topic) if not is_watermark(r)]
        positions = sorted(position_of(r) for r in messages)
        for record in messages:
            headers = headers_of(record)
            bodies[headers["ce_type"].decode(), headers["ce_subject"].decode()] = body_of(record)
        changed = bodies["organization_membership.roles_changed", made["membership"]]
        assert (changed["previous_role_slugs"], changed["role_slugs"]) == (["viewer"], ["editor"])
        assert changed["context"]["on_behalf_of"] == {
            "type": "user",
            "id": "user_alice",
            "name": None,
        }
        deleted = bodies["organization_membership.deleted", made["membership"]]
        assert (deleted["user_id"], deleted["organization_id"], deleted["role_slugs"]) == (
            made["user"],
            made["org"],
            ["editor"],
        )
        renamed = bodies["organization.renamed", made["org"]]
        assert (renamed["previous_name"], renamed["name"]) == ("Initech", "Initrode")
        old = bodies["organization_membership.roles_changed", "om_old"]
        assert (old["previous_role_slugs"], old["role_slugs"]) == (None, ["viewer"])
        assert old["context"]["on_behalf_of"] is None

        worker = ProjectionWorker(
            system.views["audit"],
            bootstrap=kafka_bootstrap,
            topic=topic,
            group_id="idgov.test.audit",
            batch_size=50,
        )
        try:
            drain(worker, database_url, topic)
        finally:
            worker.consumer.close()
        with system.reads.transaction(commit=True) as cursor:
            cursor.execute(sql.SQL("DROP SCHEMA IF EXISTS audit_rebuilt CASCADE"))
        feed(system.store, system.open_view("audit", "audit_rebuilt"), 0)
    live = dump(database_url, "audit", AUDIT_TABLES, order_by="1, 2")
    # Partitions arrive in any order; the model does not depend on it.
    assert live == dump(database_url, "audit_rebuilt", AUDIT_TABLES, order_by="1, 2")
    by_type = {(r["event_type"], r["target_ids"][0]): r for r in live["events"]}
    assert [r["position"] for r in live["events"]] == positions  # one record per message
    old_row = by_type["organization_membership.roles_changed", "om_old"]
    assert old_row["changes"]["role_slugs"] == {"before": None, "after": ["viewer"]}
    row = by_type["organization_membership.deleted", made["membership"]]
    assert row["actor_ids"] == ["tests", "user_alice"]
