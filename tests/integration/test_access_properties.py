"""Random type hierarchies, resources, roles, memberships and assignments, with random moves
and deletions: every check and discovery answer of the access read model must equal a small,
obviously-correct evaluator written here, and a rebuilt model must equal the live one.

The command side runs on eventsourcing's in-memory store (fast, and the real domain rules);
its events feed the real access read model in PostgreSQL through ProjectionView.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from eventsourcing.postgres import PostgresDatastore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from domain.application import IdentityApplication
from domain.authorization_schema import ROOT_TYPE
from domain.errors import DomainError
from domain.events import Actor, EventContext
from domain.resources import root_resource_id
from idgov.database import Database
from projections.access import AccessModel, queries
from projections.base import EVENT_STORE_STREAM, Delivery, ProjectionView
from projections.pagination import PageRequest
from tests.unit.log_index import LogAccessIndex

CONTEXT = EventContext(actor=Actor("system", "property-test"), source="system")


class NoMemberships:
    def membership_ids(self, **_: str) -> list[str]:
        return []


@dataclass
class Reference:
    """The obvious model: parents, who holds what where, and what each role allows."""

    parent: dict[str, str | None] = field(default_factory=dict)
    type_of: dict[str, str] = field(default_factory=dict)
    role_permissions: dict[str, set[str]] = field(default_factory=dict)
    active: dict[str, bool] = field(default_factory=dict)
    held: dict[str, set[tuple[str, str]]] = field(
        default_factory=dict
    )  # membership -> {(role, resource)}
    permissions: set[str] = field(default_factory=set)

    def ancestors(self, resource: str) -> list[str]:
        chain: list[str] = []
        current: str | None = resource
        while current is not None:
            chain.append(current)
            current = self.parent[current]
        return chain

    def allowed(self, membership: str, permission: str, resource: str) -> bool:
        if not self.active[membership]:
            return False
        above = set(self.ancestors(resource))
        return any(
            where in above and permission in self.role_permissions[role]
            for role, where in self.held[membership]
        )

    def subtree(self, resource: str) -> set[str]:
        return {r for r in self.parent if resource in self.ancestors(r)}


@pytest.fixture(scope="module")
def database(database_url: str) -> Database:
    return Database.from_url(database_url)


@pytest.fixture(scope="module")
def datastores(database: Database) -> Iterator[dict[str, PostgresDatastore]]:
    stores = {
        schema: PostgresDatastore(
            dbname=database.dbname,
            host=database.host,
            port=database.port,
            user=database.user,
            password=database.password,
            schema=schema,
            pool_size=1,
            max_overflow=2,
        )
        for schema in ("access", "access_rebuilt")
    }
    yield stores
    for store in stores.values():
        store.close()


def fresh_view(store: PostgresDatastore, database_url: str) -> ProjectionView:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(sql.Identifier(store.schema))
        )
    view = ProjectionView(store, AccessModel())
    view.create_table()
    return view


def feed(app: IdentityApplication, view: ProjectionView, batch: int) -> None:
    notifications = app.recorder.select_notifications(start=None, limit=1_000_000)
    deliveries = [
        Delivery(EVENT_STORE_STREAM, n.id, app.mapper.to_domain_event(n)) for n in notifications
    ]
    for start in range(0, len(deliveries), batch):
        result = view.apply_batch(deliveries[start : start + batch])
        assert result.dead_lettered == 0


def all_pages(fetch: Any) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        page = fetch(PageRequest(limit=3, after=after, order="asc"))
        seen += [row["id"] for row in page.rows]
        if page.after is None:
            return seen
        after = page.after


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    type_count = draw(st.integers(1, 4))
    types = []
    for index in range(type_count):
        earlier = [ROOT_TYPE, *(slug for slug, _ in types)]
        parents = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=2, unique=True))
        types.append((f"t{index}", parents))
    return {
        "types": types,
        "roles": draw(
            st.lists(
                st.tuples(st.integers(0, type_count), st.sets(st.integers(0, 10), max_size=4)),
                min_size=1,
                max_size=6,
            )
        ),
        "resources": draw(
            st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=12)
        ),
        "memberships": draw(
            st.lists(st.tuples(st.integers(0, 50), st.booleans()), min_size=1, max_size=4)
        ),
        "assignments": draw(
            st.lists(
                st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50)), max_size=12
            )
        ),
        "moves": draw(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), max_size=4)),
        "deletions": draw(st.lists(st.integers(0, 50), max_size=2)),
        "batch": draw(st.sampled_from([1, 7, 1000])),
    }


def build(app: IdentityApplication, plan: dict[str, Any]) -> Reference:
    """Carry out the plan through the real use cases, mirroring what succeeded in the reference."""
    ref = Reference()
    schema_types = [ROOT_TYPE]
    for slug, parents in plan["types"]:
        app.create_resource_type(
            CONTEXT, slug=slug, name=slug, description=None, parent_type_slugs=parents
        )
        schema_types.append(slug)
    for type_slug in schema_types:
        for action in ("read", "write"):
            slug = f"{type_slug}:{action}"
            app.create_permission(
                CONTEXT, slug=slug, name=slug, description=None, resource_type_slug=type_slug
            )
            ref.permissions.add(slug)
    schema = app.get_schema()
    all_permissions = sorted(ref.permissions)
    org_roles: list[str] = []
    type_roles: dict[str, list[str]] = {}
    for index, (type_index, picks) in enumerate(plan["roles"]):
        type_slug = schema_types[type_index % len(schema_types)]
        reach = schema.reach_of(type_slug)
        permissions = sorted(
            {all_permissions[p % len(all_permissions)] for p in picks}
            & {p for p in all_permissions if p.split(":")[0] in reach}
        )
        slug = f"r{index}"
        app.create_role(
            CONTEXT, slug=slug, name=slug, description=None, resource_type_slug=type_slug
        )
        app.set_role_permissions(CONTEXT, slug, permissions)
        ref.role_permissions[slug] = set(permissions)
        (org_roles if type_slug == ROOT_TYPE else type_roles.setdefault(type_slug, [])).append(slug)
    ref.role_permissions["member"] = set()
    org_roles.append("member")

    organization = app.create_organization(CONTEXT, name="Org").value
    root = root_resource_id(organization.id)
    ref.parent[root], ref.type_of[root] = None, ROOT_TYPE
    resources = [root]
    for index, (type_pick, parent_pick) in enumerate(plan["resources"]):
        type_slug = schema_types[1 + type_pick % (len(schema_types) - 1)]
        parent = resources[parent_pick % len(resources)]
        try:
            created = app.create_resource(
                CONTEXT,
                organization_id=organization.id,
                resource_type_slug=type_slug,
                external_id=f"x{index}",
                name=f"x{index}",
                parent_resource_id=parent,
            ).value
        except DomainError:
            continue
        ref.parent[created.id], ref.type_of[created.id] = parent, type_slug
        resources.append(created.id)

    memberships = []
    for index, (role_pick, active) in enumerate(plan["memberships"]):
        user = app.create_user(CONTEXT, email=f"u{index}@example.test").value
        role = org_roles[role_pick % len(org_roles)]
        membership = app.create_membership(
            CONTEXT, user_id=user.id, organization_id=organization.id, role_slugs=[role]
        ).value
        if not active:
            app.deactivate_membership(CONTEXT, membership.id)
        ref.active[membership.id] = active
        ref.held[membership.id] = {(role, root)}
        memberships.append(membership.id)

    for membership_pick, resource_pick, role_pick in plan["assignments"]:
        membership = memberships[membership_pick % len(memberships)]
        resource = app.get_resource(resources[resource_pick % len(resources)])
        candidates = type_roles.get(resource.resource_type_slug, [])
        if not candidates:
            continue
        role = candidates[role_pick % len(candidates)]
        try:
            app.assign_role(CONTEXT, membership, role_slug=role, resource=resource)
        except DomainError:
            continue  # a duplicate
        ref.held[membership].add((role, resource.id))

    for moving_pick, parent_pick in plan["moves"]:
        live = [r for r in resources if r in ref.parent and r != root]
        if not live:
            break
        moving = live[moving_pick % len(live)]
        candidates = [r for r in resources if r in ref.parent]
        parent = candidates[parent_pick % len(candidates)]
        try:
            app.update_resource(CONTEXT, app.get_resource(moving), parent_resource_id=parent)
        except DomainError:
            continue
        ref.parent[moving] = parent

    for pick in plan["deletions"]:
        live = [r for r in resources if r in ref.parent and r != root]
        if not live:
            break
        doomed = live[pick % len(live)]
        gone = ref.subtree(doomed)
        app.delete_resource(CONTEXT, app.get_resource(doomed), cascade=True)
        for resource_id in gone:
            del ref.parent[resource_id]
        for held in ref.held.values():
            held -= {(role, where) for role, where in held if where in gone}
    return ref


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=scenarios())
def test_read_model_answers_like_the_reference(
    plan: dict[str, Any], datastores: dict[str, PostgresDatastore], database_url: str
) -> None:
    app = IdentityApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    app.membership_index = NoMemberships()
    app.access_index = LogAccessIndex(app)
    app.role_index = app.access_index
    app.initialize_environment(CONTEXT)
    ref = build(app, plan)

    live = fresh_view(datastores["access"], database_url)
    feed(app, live, plan["batch"])
    resources = sorted(ref.parent)
    with datastores["access"].pool.connection() as conn:
        for membership in ref.active:
            for permission in sorted(ref.permissions):
                for resource in resources:
                    expected = ref.allowed(membership, permission, resource)
                    assert queries.check(conn, membership, permission, resource) == expected, (
                        membership,
                        permission,
                        resource,
                    )
                for parent in resources:
                    children = sorted(r for r, p in ref.parent.items() if p == parent)
                    expected_children = [
                        r for r in children if ref.allowed(membership, permission, r)
                    ]
                    found = all_pages(
                        lambda page, m=membership, p=permission, r=parent: (
                            queries.accessible_children(conn, m, p, r, page)
                        )
                    )
                    assert found == expected_children
            for resource in resources:
                expected_permissions = {
                    p for p in ref.permissions if ref.allowed(membership, p, resource)
                }
                found = conn.execute(
                    "SELECT slug FROM access.permissions WHERE id = ANY(%s)",
                    (
                        all_pages(
                            lambda page, m=membership, r=resource: queries.effective_permissions(
                                conn, m, r, page
                            )
                        ),
                    ),
                ).fetchall()
                assert {row["slug"] for row in found} == expected_permissions
        for permission in sorted(ref.permissions):
            for resource in resources:
                direct = sorted(
                    m
                    for m in ref.active
                    if ref.active[m]
                    and any(
                        w == resource and permission in ref.role_permissions[r]
                        for r, w in ref.held[m]
                    )
                )
                indirect = sorted(m for m in ref.active if ref.allowed(m, permission, resource))
                for mode, expected in (("direct", direct), ("indirect", indirect)):
                    found = all_pages(
                        lambda page, p=permission, r=resource, i=(mode == "indirect"): (
                            queries.memberships_with_permission(conn, r, p, indirect=i, page=page)
                        )
                    )
                    assert found == expected, (mode, permission, resource)

    rebuilt = fresh_view(datastores["access_rebuilt"], database_url)
    feed(app, rebuilt, 1000)
    with datastores["access"].pool.connection() as conn:
        for table in (
            "resources",
            "resource_ancestors",
            "memberships",
            "grants",
            "roles",
            "role_permissions",
            "permissions",
            "resource_types",
        ):
            live_rows = conn.execute(
                sql.SQL("SELECT * FROM access.{0} ORDER BY 1, 2").format(sql.Identifier(table))
            ).fetchall()
            rebuilt_rows = conn.execute(
                sql.SQL("SELECT * FROM access_rebuilt.{0} ORDER BY 1, 2").format(
                    sql.Identifier(table)
                )
            ).fetchall()
            assert live_rows == rebuilt_rows, table
