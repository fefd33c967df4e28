"""Random type hierarchies, resources, environment roles and two organizations' custom roles,
memberships, assignments and groups (members, and roles with and without a resource), with
random moves and deletions of resources, custom roles, permissions and group parts, and new
priority orders and the multiple-roles switch at the end: every check, discovery and
role-assignment answer of the access read model must equal a small, obviously-correct
evaluator written here, and a rebuilt model must equal the live one.

The command side runs on eventsourcing's in-memory store (fast, and the real domain rules);
its events feed the real access read model in PostgreSQL through ProjectionView, either in
log order or partition by partition as Kafka may deliver them (one organization's events in
order, the environment's apart).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
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
from domain.organization_roles import effective_priority
from domain.resources import root_resource_id
from domain.services.groups import RoleOn
from domain.store import EVENT_STORE_STREAM
from idgov.database import Database
from projections.access import AccessModel, queries
from projections.base import Delivery, ProjectionView
from projections.pagination import PageRequest
from tests.unit.log_index import in_memory_app

CONTEXT = EventContext(actor=Actor("system", "property-test"), source="system")


class NoMemberships:
    def membership_ids(self, **_: str) -> list[str]:
        return []


RoleKey = tuple[str | None, str]  # (organization for a custom role, else None; slug)
Holding = tuple[str, str, bool]  # (role slug, resource, through a group)


@dataclass
class Reference:
    """The obvious model: parents, who holds what where, and what each role allows."""

    parent: dict[str, str | None] = field(default_factory=dict)
    type_of: dict[str, str] = field(default_factory=dict)
    organization_of: dict[str, str] = field(default_factory=dict)  # resource or membership
    role_permissions: dict[RoleKey, set[str]] = field(default_factory=dict)
    active: dict[str, bool] = field(default_factory=dict)
    held: dict[str, set[tuple[str, str]]] = field(
        default_factory=dict
    )  # membership -> {(role slug, resource)}
    permissions: set[str] = field(default_factory=set)
    members: dict[str, set[str]] = field(default_factory=dict)  # group -> {membership}
    group_roles: dict[str, set[tuple[str, str]]] = field(
        default_factory=dict
    )  # group -> {(role, resource)}
    priority: dict[str, list[str]] = field(default_factory=dict)  # organization -> role slugs
    multiple_roles: bool = False

    def holdings(self, membership: str) -> list[Holding]:
        """Its own roles and one per group and group role; in single-role mode, of those at
        organization level (on the root) only the role highest in the priority order."""
        every = [(role, where, False) for role, where in self.held[membership]] + [
            (role, where, True)
            for group, members in self.members.items()
            if membership in members
            for role, where in self.group_roles[group]
        ]
        organization = self.organization_of[membership]
        root = root_resource_id(organization)
        at_root = [role for role, where, _ in every if where == root]
        if self.multiple_roles or not at_root:
            return every
        highest = min(at_root, key=self.priority[organization].index)
        return [h for h in every if h[1] != root or h[0] == highest]

    def role(self, organization: str, slug: str) -> RoleKey:
        """A slug names the organization's custom role, else the environment's."""
        return (
            (organization, slug) if (organization, slug) in self.role_permissions else (None, slug)
        )

    def allows(self, membership: str, slug: str, permission: str) -> bool:
        key = self.role(self.organization_of[membership], slug)
        return permission in self.role_permissions.get(key, set())

    def ancestors(self, resource: str) -> list[str]:
        chain: list[str] = []
        current: str | None = resource
        while current is not None:
            chain.append(current)
            current = self.parent[current]
        return chain

    def of_type(self, permission: str, resource: str) -> bool:
        """Permissions here are named ``<resource type>:<action>``."""
        return permission.split(":")[0] == self.type_of[resource]

    def allowed(self, membership: str, permission: str, resource: str) -> bool:
        if not self.active[membership] or not self.of_type(permission, resource):
            return False
        above = set(self.ancestors(resource))
        return any(
            where in above and self.allows(membership, role, permission)
            for role, where, _ in self.holdings(membership)
        )

    def direct(self, membership: str, permission: str, resource: str) -> bool:
        """Through a role of its own on the resource itself."""
        return (
            self.active[membership]
            and self.of_type(permission, resource)
            and any(
                where == resource and not via_group and self.allows(membership, role, permission)
                for role, where, via_group in self.holdings(membership)
            )
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


def feed(app: IdentityApplication, view: ProjectionView, batch: int, order: str = "log") -> None:
    """Deliver every event: in log order, or one partition (key) after another, as a Kafka
    worker may see them: ``organizations_first`` or ``environment_first``."""
    notifications = app.store.recorder.select_notifications(start=None, limit=1_000_000)
    deliveries = [
        Delivery(EVENT_STORE_STREAM, n.id, app.store.mapper.to_domain_event(n))
        for n in notifications
    ]
    if order != "log":
        partitions: dict[str, list[Delivery]] = {}
        for d in deliveries:
            key = d.event.context.organization_id or "environment"
            partitions.setdefault(key, []).append(replace(d, stream=f"partition:{key}"))
        keys = sorted(
            partitions, key=lambda k: (k == "environment") == (order == "organizations_first")
        )
        deliveries = [d for key in keys for d in partitions[key]]
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
    type_pick, picks = st.integers(0, type_count), st.sets(st.integers(0, 10), max_size=4)
    return {
        "types": types,
        "roles": draw(st.lists(st.tuples(type_pick, picks), min_size=1, max_size=6)),
        # (organization, slug number: the same number in both makes the same slug, type, perms)
        "custom_roles": draw(
            st.lists(st.tuples(st.integers(0, 1), st.integers(0, 3), type_pick, picks), max_size=6)
        ),
        "resources": draw(
            st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=12)
        ),
        "memberships": draw(
            st.lists(
                st.tuples(st.integers(0, 50), st.booleans(), st.integers(0, 1)),
                min_size=1,
                max_size=5,
            )
        ),
        "assignments": draw(
            st.lists(
                st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50)), max_size=12
            )
        ),
        "groups": draw(st.integers(0, 3)),
        "group_members": draw(
            st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), max_size=8)
        ),
        # A resource pick of None: the role is held at organization level.
        "group_roles": draw(
            st.lists(
                st.tuples(st.integers(0, 50), st.none() | st.integers(0, 50), st.integers(0, 50)),
                max_size=8,
            )
        ),
        "group_removals": draw(
            st.lists(
                st.tuples(st.sampled_from(["member", "role", "group"]), st.integers(0, 50)),
                max_size=3,
            )
        ),
        "moves": draw(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), max_size=4)),
        "deletions": draw(st.lists(st.integers(0, 50), max_size=2)),
        "role_deletions": draw(st.lists(st.integers(0, 50), max_size=2)),
        "permission_deletions": draw(st.lists(st.integers(0, 50), max_size=1)),
        # Sort keys for new priority orders of the environment and of organization 0.
        "environment_priority": draw(
            st.none() | st.lists(st.integers(0, 9), min_size=1, max_size=8)
        ),
        "organization_priority": draw(
            st.none() | st.lists(st.integers(0, 9), min_size=1, max_size=8)
        ),
        "multiple_roles": draw(st.booleans()),
        "batch": draw(st.sampled_from([1, 7, 1000])),
        "order": draw(st.sampled_from(["log", "organizations_first", "environment_first"])),
    }


def _permissions_within(
    schema: Any, type_slug: str, picks: set[int], all_permissions: list[str]
) -> list[str]:
    reach = schema.reach_of(type_slug)
    return sorted(
        {all_permissions[p % len(all_permissions)] for p in picks}
        & {p for p in all_permissions if p.split(":")[0] in reach}
    )


def build(app: IdentityApplication, plan: dict[str, Any]) -> Reference:
    """Carry out the plan through the real use cases, mirroring what succeeded in the reference."""
    ref = Reference()
    schema_types = [ROOT_TYPE]
    for slug, parents in plan["types"]:
        app.schema.create_resource_type(
            CONTEXT, slug=slug, name=slug, description=None, parent_type_slugs=parents
        )
        schema_types.append(slug)
    for type_slug in schema_types:
        for action in ("read", "write"):
            slug = f"{type_slug}:{action}"
            app.schema.create_permission(
                CONTEXT, slug=slug, name=slug, description=None, resource_type_slug=type_slug
            )
            ref.permissions.add(slug)
    schema = app.store.get_schema()
    all_permissions = sorted(ref.permissions)
    # Organization-level roles and roles by type, of the environment (None) or an organization.
    org_roles: dict[str | None, list[str]] = {None: []}
    type_roles: dict[tuple[str | None, str], list[str]] = {}
    for index, (type_index, picks) in enumerate(plan["roles"]):
        type_slug = schema_types[type_index % len(schema_types)]
        permissions = _permissions_within(schema, type_slug, picks, all_permissions)
        slug = f"r{index}"
        app.schema.create_role(
            CONTEXT, slug=slug, name=slug, description=None, resource_type_slug=type_slug
        )
        app.schema.set_role_permissions(CONTEXT, slug, permissions)
        ref.role_permissions[(None, slug)] = set(permissions)
        if type_slug == ROOT_TYPE:
            org_roles[None].append(slug)
        else:
            type_roles.setdefault((None, type_slug), []).append(slug)
    ref.role_permissions[(None, "member")] = set()
    org_roles[None].append("member")

    organizations = [
        app.organizations.create_organization(CONTEXT, name=f"Org {i}").value.id for i in (0, 1)
    ]
    for organization in organizations:
        org_roles[organization] = []
    for org_pick, number, type_index, picks in plan["custom_roles"]:
        organization = organizations[org_pick]
        type_slug = schema_types[type_index % len(schema_types)]
        permissions = _permissions_within(schema, type_slug, picks, all_permissions)
        slug = f"org-c{number}"
        try:
            app.custom_roles.create_organization_role(
                CONTEXT,
                organization,
                slug=slug,
                name=slug,
                description=None,
                resource_type_slug=type_slug,
            )
        except DomainError:
            continue  # the organization has this slug already
        app.custom_roles.set_organization_role_permissions(CONTEXT, organization, slug, permissions)
        ref.role_permissions[(organization, slug)] = set(permissions)
        if type_slug == ROOT_TYPE:
            org_roles[organization].append(slug)
        else:
            type_roles.setdefault((organization, type_slug), []).append(slug)

    resources = []
    for organization in organizations:
        root = root_resource_id(organization)
        ref.parent[root], ref.type_of[root] = None, ROOT_TYPE
        ref.organization_of[root] = organization
        resources.append(root)
    for index, (type_pick, parent_pick) in enumerate(plan["resources"]):
        type_slug = schema_types[1 + type_pick % (len(schema_types) - 1)]
        parent = resources[parent_pick % len(resources)]
        organization = ref.organization_of[parent]
        try:
            created = app.resources.create_resource(
                CONTEXT,
                organization_id=organization,
                resource_type_slug=type_slug,
                external_id=f"x{index}",
                name=f"x{index}",
                parent_resource_id=parent,
            ).value
        except DomainError:
            continue
        ref.parent[created.id], ref.type_of[created.id] = parent, type_slug
        ref.organization_of[created.id] = organization
        resources.append(created.id)

    memberships = []
    for index, (role_pick, active, org_pick) in enumerate(plan["memberships"]):
        organization = organizations[org_pick]
        user = app.users.create_user(CONTEXT, email=f"u{index}@example.test").value
        candidates = [*org_roles[None], *org_roles[organization]]
        role = candidates[role_pick % len(candidates)]
        membership = app.memberships.create_membership(
            CONTEXT, user_id=user.id, organization_id=organization, role_slugs=[role]
        ).value
        if not active:
            app.memberships.deactivate_membership(CONTEXT, membership.id)
        ref.active[membership.id] = active
        ref.organization_of[membership.id] = organization
        ref.held[membership.id] = {(role, root_resource_id(organization))}
        memberships.append(membership.id)

    for membership_pick, resource_pick, role_pick in plan["assignments"]:
        membership = memberships[membership_pick % len(memberships)]
        organization = ref.organization_of[membership]
        in_organization = [r for r in resources if ref.organization_of[r] == organization]
        resource = app.store.get_resource(in_organization[resource_pick % len(in_organization)])
        type_slug = resource.resource_type_slug
        candidates = [
            *type_roles.get((None, type_slug), []),
            *type_roles.get((organization, type_slug), []),
        ]
        if not candidates:
            continue
        role = candidates[role_pick % len(candidates)]
        try:
            app.resources.assign_role(CONTEXT, membership, role_slug=role, resource=resource)
        except DomainError:
            continue  # a duplicate
        ref.held[membership].add((role, resource.id))

    build_groups(app, plan, ref, organizations, resources, memberships, org_roles, type_roles)

    for moving_pick, parent_pick in plan["moves"]:
        live = [r for r in resources if r in ref.parent and ref.parent[r] is not None]
        if not live:
            break
        moving = live[moving_pick % len(live)]
        candidates = [r for r in resources if r in ref.parent]
        parent = candidates[parent_pick % len(candidates)]
        try:
            app.resources.update_resource(
                CONTEXT, app.store.get_resource(moving), parent_resource_id=parent
            )
        except DomainError:
            continue
        ref.parent[moving] = parent

    for pick in plan["deletions"]:
        live = [r for r in resources if r in ref.parent and ref.parent[r] is not None]
        if not live:
            break
        doomed = live[pick % len(live)]
        gone = ref.subtree(doomed)
        app.resources.delete_resource(CONTEXT, app.store.get_resource(doomed), cascade=True)
        for resource_id in gone:
            del ref.parent[resource_id]
        for held in [*ref.held.values(), *ref.group_roles.values()]:
            held -= {(role, where) for role, where in held if where in gone}

    custom = sorted(k for k in ref.role_permissions if k[0] is not None)
    for pick in plan["role_deletions"]:
        if not custom:
            break
        organization, slug = custom.pop(pick % len(custom))
        assert organization is not None
        try:
            app.custom_roles.delete_organization_role(CONTEXT, organization, slug)
        except DomainError:
            continue  # assigned on resources
        del ref.role_permissions[(organization, slug)]
        root = root_resource_id(organization)
        for membership, held in ref.held.items():
            if ref.organization_of[membership] == organization and (slug, root) in held:
                held.discard((slug, root))
                held.add(("member", root))  # one role per membership: to the default

    for pick in plan["permission_deletions"]:
        doomed_permission = sorted(ref.permissions)[pick % len(ref.permissions)]
        app.schema.delete_permission(CONTEXT, doomed_permission)
        ref.permissions.discard(doomed_permission)
        for permissions in ref.role_permissions.values():
            permissions.discard(doomed_permission)

    change_role_settings(app, plan, ref, organizations)
    return ref


def reordered(slugs: list[str], keys: list[int]) -> list[str]:
    return [s for _, s in sorted(enumerate(slugs), key=lambda e: keys[e[0] % len(keys)])]


def change_role_settings(
    app: IdentityApplication, plan: dict[str, Any], ref: Reference, organizations: list[str]
) -> None:
    """New priority orders and the multiple-roles switch, after everything else; the reference
    takes each organization's order from the domain's definition of it."""
    if plan["environment_priority"] is not None:
        order = [r.slug for r in app.store.get_schema().roles.values()]
        app.role_settings.change_role_settings(
            CONTEXT, priority_order=reordered(order, plan["environment_priority"])
        )
    if plan["organization_priority"] is not None:
        organization = organizations[0]
        order = [
            r.slug
            for r in effective_priority(
                app.store.get_schema(), app.store.get_organization_roles(organization)
            )
        ]
        app.role_settings.change_organization_role_settings(
            CONTEXT, organization, priority_order=reordered(order, plan["organization_priority"])
        )
    if plan["multiple_roles"]:
        app.role_settings.change_role_settings(CONTEXT, multiple_roles=True)
    schema = app.store.get_schema()
    ref.multiple_roles = schema.multiple_roles
    for organization in organizations:
        own = app.store.get_organization_roles(organization)
        ref.priority[organization] = [r.slug for r in effective_priority(schema, own)]


def build_groups(
    app: IdentityApplication,
    plan: dict[str, Any],
    ref: Reference,
    organizations: list[str],
    resources: list[str],
    memberships: list[str],
    org_roles: dict[str | None, list[str]],
    type_roles: dict[tuple[str | None, str], list[str]],
) -> None:
    """Groups with members and roles, some of them removed again, through the use cases.

    Group ``i`` belongs to organization ``i % 2``; members and resources come from its own.
    """
    groups = [
        app.groups.create_group(
            CONTEXT, organization_id=organizations[index % len(organizations)], name=f"g{index}"
        ).value.id
        for index in range(plan["groups"])
    ]
    if not groups:
        return
    organization_of = {
        group: organizations[index % len(organizations)] for index, group in enumerate(groups)
    }
    for group in groups:
        ref.members[group], ref.group_roles[group] = set(), set()

    def of(group: str, ids: list[str]) -> list[str]:
        return [i for i in ids if ref.organization_of[i] == organization_of[group]]

    for group_pick, membership_pick in plan["group_members"]:
        group = groups[group_pick % len(groups)]
        candidates = of(group, memberships)
        if not candidates:
            continue
        membership = candidates[membership_pick % len(candidates)]
        app.groups.add_group_member(
            CONTEXT, organization_of[group], group, membership
        )  # again: no-op
        ref.members[group].add(membership)
    for group_pick, resource_pick, role_pick in plan["group_roles"]:
        group = groups[group_pick % len(groups)]
        organization = organization_of[group]
        in_organization = of(group, [r for r in resources if r in ref.parent])
        resource = (
            None
            if resource_pick is None
            else app.store.get_resource(in_organization[resource_pick % len(in_organization)])
        )
        if resource is None or resource.resource_type_slug == ROOT_TYPE:
            candidates = [*org_roles[None], *org_roles[organization]]
        else:
            type_slug = resource.resource_type_slug
            candidates = [
                *type_roles.get((None, type_slug), []),
                *type_roles.get((organization, type_slug), []),
            ]
        if not candidates:
            continue
        role = candidates[role_pick % len(candidates)]
        try:
            app.groups.assign_group_role(CONTEXT, group, RoleOn(role, resource))
        except DomainError:
            continue  # a duplicate
        where = root_resource_id(organization) if resource is None else resource.id
        ref.group_roles[group].add((role, where))
    for kind, pick in plan["group_removals"]:
        live = sorted(ref.members)
        if not live:
            break
        group = live[pick % len(live)]
        organization = organization_of[group]
        root = root_resource_id(organization)
        if kind == "group":
            app.groups.delete_group(CONTEXT, organization, group)
            del ref.members[group], ref.group_roles[group]
        elif kind == "member" and ref.members[group]:
            membership = sorted(ref.members[group])[pick % len(ref.members[group])]
            app.groups.remove_group_member(CONTEXT, organization, group, membership)
            ref.members[group].discard(membership)
        elif kind == "role" and ref.group_roles[group]:
            role, where = sorted(ref.group_roles[group])[pick % len(ref.group_roles[group])]
            on = None if where == root else app.store.get_resource(where)
            app.groups.remove_group_role(CONTEXT, group, RoleOn(role, on))
            ref.group_roles[group].discard((role, where))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=scenarios())
def test_read_model_answers_like_the_reference(
    plan: dict[str, Any], datastores: dict[str, PostgresDatastore], database_url: str
) -> None:
    app = in_memory_app(memberships=NoMemberships())
    app.environment.initialize_environment(CONTEXT)
    ref = build(app, plan)

    live = fresh_view(datastores["access"], database_url)
    feed(app, live, plan["batch"], plan["order"])
    resources = sorted(ref.parent)
    with datastores["access"].pool.connection() as conn:
        # Every check at once through the set-based path, then each through check().
        everything = [
            (membership, permission, resource)
            for membership in ref.active
            for permission in sorted(ref.permissions)
            for resource in resources
        ]
        answers = queries.check_many(
            conn, [queries.CheckRequest(m, p, r) for m, p, r in everything]
        )
        expected_answers = [ref.allowed(m, p, r) for m, p, r in everything]
        assert answers == expected_answers
        for membership in ref.active:
            for permission in sorted(ref.permissions):
                for resource in resources:
                    expected = ref.allowed(membership, permission, resource)
                    assert (
                        queries.check(conn, queries.CheckRequest(membership, permission, resource))
                        == expected
                    ), (
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
            listed = all_pages(
                lambda page, m=membership: queries.role_assignments(conn, page, membership_id=m)
            )
            assert len(listed) == len(set(listed))
            assignments = conn.execute(
                "SELECT role_slug, resource_id, source = 'group' AS via_group FROM access.holdings"
                " WHERE id = ANY(%s)",
                (listed,),
            ).fetchall()
            expected_assignments = sorted(ref.holdings(membership))
            assert (
                sorted((a["role_slug"], a["resource_id"], a["via_group"]) for a in assignments)
                == expected_assignments
            )
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
                direct = sorted(m for m in ref.active if ref.direct(m, permission, resource))
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
            "groups",
            "group_members",
            "group_role_assignments",
            "resources",
            "resource_ancestors",
            "memberships",
            "grants",
            "roles",
            "role_permissions",
            "permissions",
            "resource_types",
            "organization_role_settings",
            "organization_role_priority",
            "organization_role_holdings",
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
