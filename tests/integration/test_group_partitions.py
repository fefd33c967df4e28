"""Groups in the access model, fed in every way it can be fed.

Through real Kafka: events keyed by organization land on several partitions, the
authorization schema on the environment's. Applied partition by partition in either order
(the schema before or after the organizations), the access model equals one rebuilt from
the event store, and answers the same checks. Replayed and swapped in, the model keeps
answering from its own tables (the derived ``holdings`` included).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow, dict_row

from consumers.follower import follow
from consumers.messages import ENVIRONMENT_KEY, decode
from consumers.relay import partition_for
from consumers.replay import feed, replay
from domain.application import IdentityApplication
from domain.resources import root_resource_id
from domain.services.groups import RoleOn
from idgov.bootstrap import System
from idgov.database import Database
from projections.access import queries
from projections.base import kafka_stream
from tests.integration.support import (
    CONTEXT,
    by_partition,
    consume_all,
    dead_letters,
    dump,
    relay_everything,
    settings,
)

pytestmark = pytest.mark.kafka

TABLES = (
    "resource_types",
    "permissions",
    "roles",
    "role_permissions",
    "resources",
    "resource_ancestors",
    "memberships",
    "grants",
    "groups",
    "group_members",
    "group_role_assignments",
    "holdings",
    "organization_role_holdings",
    "effective_holdings",
)
PARTITIONS = [0, 1, 2]


def _allowed(conn: psycopg.Connection[DictRow], membership: str, permission: str, on: str) -> bool:
    return queries.check(conn, queries.CheckRequest(membership, permission, on))


def _schema(app: IdentityApplication) -> None:
    for slug, parents in (("workspace", ["organization"]), ("project", ["workspace"])):
        app.schema.create_resource_type(
            CONTEXT, slug=slug, name=slug, description=None, parent_type_slugs=parents
        )
    for slug, type_slug in (("project:view", "project"), ("org:billing", None)):
        app.schema.create_permission(
            CONTEXT, slug=slug, name=slug, description=None, resource_type_slug=type_slug
        )
    for slug, type_slug, permissions in (
        ("workspace-admin", "workspace", ["project:view"]),
        ("billing-admin", None, ["org:billing"]),
    ):
        app.schema.create_role(
            CONTEXT, slug=slug, name=slug, description=None, resource_type_slug=type_slug
        )
        app.schema.set_role_permissions(CONTEXT, slug, permissions)
    # In single-role mode a group's organization-level role counts only above the member's own.
    order = [r.slug for r in app.store.get_schema().roles.values()]
    app.role_settings.change_role_settings(
        CONTEXT, priority_order=["billing-admin", *(s for s in order if s != "billing-admin")]
    )


def _organization(app: IdentityApplication, index: int) -> dict[str, Any]:
    """An organization with a workspace tree, three members, two groups and their roles, and
    some of it removed again."""
    org = app.organizations.create_organization(CONTEXT, name=f"Org {index}").value.id
    workspace = app.resources.create_resource(
        CONTEXT,
        organization_id=org,
        resource_type_slug="workspace",
        external_id="ws",
        name="ws",
    ).value
    doomed = app.resources.create_resource(
        CONTEXT,
        organization_id=org,
        resource_type_slug="workspace",
        external_id="doomed",
        name="doomed",
    ).value
    project = app.resources.create_resource(
        CONTEXT,
        organization_id=org,
        resource_type_slug="project",
        external_id="proj",
        name="proj",
        parent_resource_id=workspace.id,
    ).value
    members = []
    for n in range(3):
        user = app.users.create_user(CONTEXT, email=f"u{n}.{index}@example.test").value
        members.append(
            app.memberships.create_membership(
                CONTEXT, user_id=user.id, organization_id=org
            ).value.id
        )
    platform = app.groups.create_group(CONTEXT, organization_id=org, name="Platform").value.id
    finance = app.groups.create_group(CONTEXT, organization_id=org, name="Finance").value.id
    app.groups.change_group_members(CONTEXT, org, platform, add=members)
    app.groups.add_group_member(CONTEXT, org, finance, members[0])
    app.groups.assign_group_role(CONTEXT, platform, RoleOn("workspace-admin", workspace))
    app.groups.assign_group_role(CONTEXT, platform, RoleOn("workspace-admin", doomed))
    app.groups.assign_group_role(CONTEXT, finance, RoleOn("billing-admin"))
    app.groups.update_group(CONTEXT, org, platform, name="Platform team")
    app.groups.remove_group_member(CONTEXT, org, platform, members[1])
    app.memberships.delete_membership(CONTEXT, members[2])
    app.resources.delete_resource(CONTEXT, doomed, cascade=True)
    return {
        "org": org,
        "root": root_resource_id(org),
        "members": members,
        "project": project.id,
        "finance": finance,
    }


@contextlib.contextmanager
def _embedded(database_url: str) -> Iterator[System]:
    """A system whose read models follow the event store in-process."""
    system = System(settings(database_url, kafka_bootstrap=None), Database.from_url(database_url))
    with contextlib.closing(system), contextlib.ExitStack() as followers:
        for view in system.views.values():
            followers.enter_context(follow(view, system.env))
        yield system


def _dump(database_url: str, schema: str) -> dict[str, list[dict[str, Any]]]:
    return dump(database_url, schema, TABLES, order_by="1, 2")


def _apply_in_order(
    system: System, schema: str, topic: str, records: dict[int, list[Any]], order: list[int]
) -> None:
    view = system.open_view("access", schema)
    try:
        view.register_streams([kafka_stream(topic, p) for p in PARTITIONS])
        for partition in order:
            view.apply_batch(
                [
                    decode(kafka_stream(topic, r.partition), r.offset, list(r.headers), r.value)
                    for r in records.get(partition, [])
                ]
            )
    finally:
        view.datastore.close()


def test_groups_apply_from_any_partition_order_like_a_rebuild(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    database_url, topic = new_database(), new_topic()
    # Built embedded (cascades ask the read side, which follows the event store), then relayed.
    with _embedded(database_url) as system:
        app = system.commands
        _schema(app)
        # At least four organizations, on at least two partitions (ids are random).
        organizations = [_organization(app, i) for i in range(4)]
        while len({partition_for(o["org"].encode(), PARTITIONS) for o in organizations}) < 2:
            organizations.append(_organization(app, len(organizations)))
        gone = _organization(app, len(organizations))
        app.organizations.delete_organization(CONTEXT, gone["org"])

        relay_everything(system, kafka_bootstrap, topic)
        records = by_partition(consume_all(kafka_bootstrap, topic))
        environment = partition_for(ENVIRONMENT_KEY.encode(), PARTITIONS)
        others = [p for p in PARTITIONS if p != environment]
        _apply_in_order(system, "access_env_last", topic, records, [*others, environment])
        _apply_in_order(system, "access_env_first", topic, records, [environment, *others[::-1]])

        expected_view = system.open_view("access", "access_expected")
        feed(app.store, expected_view, 0)
        expected_view.datastore.close()
        expected = _dump(database_url, "access_expected")
        assert expected["groups"]
        assert expected["group_members"]
        assert expected["group_role_assignments"]
        assert all(row["organization_id"] != gone["org"] for row in expected["groups"])
        for schema in ("access_env_last", "access_env_first"):
            assert dead_letters(database_url, schema) == []
            assert _dump(database_url, schema) == expected, schema

        # Queries name the schema "access": swap the partition-fed model in, then roll back.
        with psycopg.connect(database_url, row_factory=dict_row) as conn:
            conn.execute("ALTER SCHEMA access RENAME TO access_live")
            conn.execute("ALTER SCHEMA access_env_last RENAME TO access")
            try:
                for o in organizations:
                    first, second, third = o["members"]
                    project = o["project"]
                    assert _allowed(conn, first, "project:view", project)
                    assert not _allowed(conn, second, "project:view", project)
                    assert not _allowed(conn, third, "project:view", project)
                    assert _allowed(conn, first, "org:billing", o["root"])
                    assert not _allowed(conn, second, "org:billing", o["root"])
            finally:
                conn.rollback()


def test_a_replayed_access_model_keeps_answering_for_groups(
    new_database: Callable[[], str],
) -> None:
    database_url = new_database()
    with _embedded(database_url) as system:
        app = system.commands
        _schema(app)
        built = _organization(app, 0)
        first, project = built["members"][0], built["project"]
        system.freshness["access"].wait_for_everything_committed(10)
        before = _dump(database_url, "access")
        replay(app.store, system.views["access"], lambda s: system.open_view("access", s))
        assert _dump(database_url, "access") == before
        with system.reads.pool.connection() as conn:
            assert _allowed(conn, first, "project:view", project)
            assert _allowed(conn, first, "org:billing", built["root"])
        # Still followed after the swap: a new link is seen in the swapped-in model.
        late = app.groups.create_group(CONTEXT, organization_id=built["org"], name="Late").value.id
        app.groups.add_group_member(CONTEXT, built["org"], late, built["members"][1])
        app.groups.assign_group_role(CONTEXT, late, RoleOn("billing-admin"))
        system.freshness["access"].wait_for_everything_committed(10)
        with system.reads.pool.connection() as conn:
            assert _allowed(conn, built["members"][1], "org:billing", built["root"])
