"""The access benchmarks' data set: a schema, organizations with resource trees, users,
memberships, role assignments and groups, written straight into the event store.

The schema (resource types, permissions, roles) and the organizations go through the API,
as an administrator would create them. Everything else is bulk: aggregates built in
memory and saved many per transaction with the uniqueness claims their commands would save
beside them, so the write side stays consistent (a later command on the same values
conflicts as it should). The read models are then built by the running pipeline.

The data set is also kept in memory, so that every check can be answered here too and the
read model's answers verified, and so that the loads can pick realistic requests.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from domain import ids
from domain.events import Actor, EventContext, IdgovAggregate
from domain.groups import (
    Group,
    GroupMember,
    GroupRoleAssignment,
    new_group_id,
    new_group_role_assignment_id,
    new_member_id,
)
from domain.memberships import OrganizationMembership
from domain.resources import Resource, new_resource_id, root_resource_id
from domain.role_assignments import RoleAssignment, new_assignment_id
from domain.services import claims
from domain.store import EventStore
from domain.uniqueness import Claim
from domain.users import User
from tests.benchmarks.workload import RUN

SAVE_CHUNK = 500  # aggregates per event-store transaction
CONTEXT = EventContext(actor=Actor(type="api_key", id="key_bench", name="bench"), source="api")
ROOT_TYPE = "organization"

# Resource types, each under the one before it, and how many of each hang under one parent.
TYPES = ("workspace", "project", "app")
FAN_OUT = {"workspace": 10, "project": 9, "app": 10}  # 10 + 90 + 900 per organization
PERMISSIONS = {
    "workspace": ("workspaces:read", "workspaces:manage", "workspaces:invite"),
    "project": ("projects:read", "projects:write", "projects:delete"),
    "app": ("apps:read", "apps:deploy", "apps:configure", "apps:delete"),
}
_ALL = tuple(p for t in TYPES for p in PERMISSIONS[t])
READ = ("workspaces:read", "projects:read", "apps:read")
# Roles by the type they are scoped to; a role may hold permissions of its type and below.
ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    ROOT_TYPE: {"organization-admin": _ALL},
    "workspace": {"workspace-admin": _ALL, "workspace-member": READ},
    "project": {
        "project-admin": PERMISSIONS["project"] + PERMISSIONS["app"],
        "project-editor": ("projects:read", "projects:write", "apps:read", "apps:deploy"),
        "project-viewer": ("projects:read", "apps:read"),
    },
    "app": {
        "app-admin": PERMISSIONS["app"],
        "app-developer": ("apps:read", "apps:deploy", "apps:configure"),
        "app-viewer": ("apps:read",),
    },
}
ROLE_PERMISSIONS = {slug: set(p) for roles in ROLES.values() for slug, p in roles.items()}
# The environment's priority order: the seeded default role, then the roles as created.
PRIORITY = ("member", *(slug for roles in ROLES.values() for slug in roles))
# Of a membership's direct assignments, the share on each type (the rest are on apps).
ASSIGNMENT_MIX = {"workspace": 0.1, "project": 0.3}
ORG_ADMIN_SHARE = 0.02  # memberships holding the organization-level admin role
INACTIVE_SHARE = 0.02  # deactivated memberships: they hold assignments but are denied
GROUP_SIZE = 10  # members per group, from the group's organization
GROUP_ROLES = 2  # roles per group, on resources of distinct types drawn from these
GROUP_ROLE_TYPES = (ROOT_TYPE, "workspace", "project")


@dataclass(frozen=True)
class Node:
    id: str
    organization_id: str
    type: str
    parent_id: str | None
    ancestors: tuple[str, ...]  # itself first, then up to the root


@dataclass
class Member:
    id: str
    user_id: str
    organization_id: str
    roles: tuple[str, ...]
    active: bool
    assignments: list[tuple[str, str]] = field(default_factory=list)  # (role, resource id)
    groups: list[str] = field(default_factory=list)


@dataclass
class DataSet:
    organizations: list[str] = field(default_factory=list)
    resources: dict[str, Node] = field(default_factory=dict)
    by_org_type: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    by_org: dict[str, list[str]] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    members: list[Member] = field(default_factory=list)
    # group id -> its roles on resources; a member's groups are on the Member.
    group_roles: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def groups(self) -> int:
        return len(self.group_roles)

    @property
    def assignments(self) -> int:
        return sum(len(m.assignments) for m in self.members)

    def of_type(self, organization_id: str, type_slug: str) -> list[str]:
        return self.by_org_type.get((organization_id, type_slug), [])

    def in_organization(self, organization_id: str) -> list[str]:
        """The organization's resources below its root."""
        return self.by_org.get(organization_id, [])

    def effective(self, member: Member, resource_id: str) -> frozenset[str]:
        """The permissions a membership holds on a resource, from the data set alone: those of
        the resource's type of its roles on the resource or an ancestor, of its groups' roles
        likewise, and of one organization-level role on the root (single-role mode): the
        highest in the priority order among its own and its groups'."""
        if not member.active:
            return frozenset()
        node = self.resources[resource_id]
        root = root_resource_id(member.organization_id)
        through_groups = [held for group in member.groups for held in self.group_roles[group]]
        organization_role = min(
            [*member.roles, *(role for role, where in through_groups if where == root)],
            key=PRIORITY.index,
        )
        on_resources = [held for held in member.assignments + through_groups if held[1] != root]
        return frozenset(
            permission
            for role, where in [(organization_role, root), *on_resources]
            if where in node.ancestors
            for permission in ROLE_PERMISSIONS.get(role, ())
            if permission in PERMISSIONS.get(node.type, ())
        )

    def allowed(self, member: Member, permission: str, resource_id: str) -> bool:
        """The answer a check must give."""
        return permission in self.effective(member, resource_id)


@dataclass(frozen=True)
class Written:
    events: int
    seconds: float
    first_position: int
    last_position: int

    @property
    def per_s(self) -> float:
        return self.events / self.seconds if self.seconds else float("nan")


# Schema and organizations: through the use cases -------------------------------------


def create_schema(http: httpx.Client) -> None:
    """Resource types, permissions and roles, as an administrator creates them."""

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = http.post(path, json=body)
        if response.status_code != 201:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:300]}")
        result: dict[str, Any] = response.json()
        return result

    parent = ROOT_TYPE
    for slug in TYPES:
        post(
            "/authorization/resource_types",
            {"slug": slug, "name": slug.title(), "parent_type_slugs": [parent]},
        )
        for permission in PERMISSIONS[slug]:
            post(
                "/authorization/permissions",
                {"slug": permission, "name": permission, "resource_type_slug": slug},
            )
        parent = slug
    for scope, roles in ROLES.items():
        for slug, permissions in roles.items():
            post("/authorization/roles", {"slug": slug, "name": slug, "resource_type_slug": scope})
            response = http.put(
                f"/authorization/roles/{slug}/permissions", json={"permissions": list(permissions)}
            )
            response.raise_for_status()


def create_organizations(http: httpx.Client, count: int, data: DataSet) -> None:
    for number in range(count):
        response = http.post(
            "/organizations",
            json={"name": f"Access bench {number}", "external_id": f"access-{RUN}-{number}"},
        )
        response.raise_for_status()
        organization_id = response.json()["id"]
        root = root_resource_id(organization_id)
        data.organizations.append(organization_id)
        data.resources[root] = Node(root, organization_id, ROOT_TYPE, None, (root,))


# Bulk: resources, users, memberships, assignments -----------------------------------


def _claim(kind: str, value: str, owner_id: str, context: EventContext) -> Claim:
    """The claim the command would save with the owner (see domain/uniqueness.py)."""
    return Claim(kind=kind, value=value, owner_id=owner_id, context=context)


def _resources(data: DataSet) -> Iterator[IdgovAggregate]:
    """Each organization's tree, a level at a time, so parents are recorded before children."""
    for organization_id in data.organizations:
        context = CONTEXT.for_organization(organization_id)
        parents = [root_resource_id(organization_id)]
        for type_slug in TYPES:
            level = []
            for parent_id in parents:
                for number in range(FAN_OUT[type_slug]):
                    resource_id = new_resource_id()
                    parent = data.resources[parent_id]
                    external_id = f"{parent.id[-8:].lower()}-{type_slug}-{number}"
                    yield Resource(
                        id=resource_id,
                        organization_id=organization_id,
                        resource_type_slug=type_slug,
                        external_id=external_id,
                        name=f"{type_slug} {number}",
                        description=None,
                        parent_resource_id=parent_id,
                        context=context,
                    )
                    key = claims.resource_key(organization_id, type_slug, external_id)
                    yield _claim(claims.RESOURCE, key, resource_id, context)
                    data.resources[resource_id] = Node(
                        resource_id,
                        organization_id,
                        type_slug,
                        parent_id,
                        (resource_id, *parent.ancestors),
                    )
                    data.by_org_type.setdefault((organization_id, type_slug), []).append(
                        resource_id
                    )
                    data.children.setdefault(parent_id, []).append(resource_id)
                    data.by_org.setdefault(organization_id, []).append(resource_id)
                    level.append(resource_id)
            parents = level


def _members(data: DataSet, users: int, rng: random.Random) -> Iterator[IdgovAggregate]:
    """One membership per user, the users dealt round the organizations."""
    for number in range(users):
        user_id = ids.new_id(ids.USER)
        email = f"access{number}-{RUN}@example.com"
        yield User(
            id=user_id,
            email=email,
            first_name="Access",
            last_name=str(number),
            email_verified=True,
            external_id=None,
            metadata={},
            context=CONTEXT,
        )
        yield _claim(claims.USER_EMAIL, email, user_id, CONTEXT)
        organization_id = data.organizations[number % len(data.organizations)]
        context = CONTEXT.for_organization(organization_id)
        roles = ("organization-admin",) if rng.random() < ORG_ADMIN_SHARE else ("member",)
        membership = OrganizationMembership(
            id=ids.new_id(ids.MEMBERSHIP),
            user_id=user_id,
            organization_id=organization_id,
            role_slugs=roles,
            status="active",
            context=context,
        )
        active = rng.random() >= INACTIVE_SHARE
        if not active:
            membership.deactivate(context)
        yield membership
        yield _claim(
            claims.MEMBERSHIP,
            claims.membership_key(user_id, organization_id),
            membership.id,
            context,
        )
        data.members.append(Member(membership.id, user_id, organization_id, roles, active))


def _assignments(data: DataSet, total: int, rng: random.Random) -> Iterator[IdgovAggregate]:
    """``total`` direct assignments spread evenly over the memberships, each role matching its
    resource's type, never the same (membership, role, resource) twice."""
    per_member, extra = divmod(total, len(data.members))
    for index, member in enumerate(data.members):
        count = per_member + (index < extra)
        context = CONTEXT.for_organization(member.organization_id)
        for type_slug in TYPES:
            share = ASSIGNMENT_MIX.get(type_slug)
            n = round(count * share) if share is not None else count - len(member.assignments)
            candidates = data.of_type(member.organization_id, type_slug)
            for resource_id in rng.sample(candidates, min(n, len(candidates))):
                role = rng.choice(list(ROLES[type_slug]))
                assignment_id = new_assignment_id()
                yield RoleAssignment(
                    id=assignment_id,
                    organization_membership_id=member.id,
                    organization_id=member.organization_id,
                    role_slug=role,
                    resource_id=resource_id,
                    context=context,
                )
                key = claims.role_assignment_key(member.id, role, resource_id)
                yield _claim(claims.ROLE_ASSIGNMENT, key, assignment_id, context)
                member.assignments.append((role, resource_id))


def _groups(data: DataSet, count: int, rng: random.Random) -> Iterator[IdgovAggregate]:
    """``count`` groups dealt round the organizations, each with members of its organization
    and a few roles: most on a workspace or project, some at organization level."""
    by_organization: dict[str, list[Member]] = {}
    for member in data.members:
        by_organization.setdefault(member.organization_id, []).append(member)
    for number in range(count):
        organization_id = data.organizations[number % len(data.organizations)]
        context = CONTEXT.for_organization(organization_id)
        group_id = new_group_id()
        yield Group(
            id=group_id,
            organization_id=organization_id,
            name=f"group {number}",
            description=None,
            context=context,
        )
        data.group_roles[group_id] = []
        candidates = by_organization.get(organization_id, [])
        for member in rng.sample(candidates, min(GROUP_SIZE, len(candidates))):
            link_id = new_member_id()
            yield GroupMember(
                id=link_id,
                group_id=group_id,
                organization_membership_id=member.id,
                organization_id=organization_id,
                context=context,
            )
            yield _claim(
                claims.GROUP_MEMBER, claims.group_member_key(group_id, member.id), link_id, context
            )
            member.groups.append(group_id)
        for type_slug in rng.sample(GROUP_ROLE_TYPES, GROUP_ROLES):
            resource_id = (
                root_resource_id(organization_id)
                if type_slug == ROOT_TYPE
                else rng.choice(data.of_type(organization_id, type_slug))
            )
            role = rng.choice(list(ROLES[type_slug]))
            assignment_id = new_group_role_assignment_id()
            yield GroupRoleAssignment(
                id=assignment_id,
                group_id=group_id,
                organization_id=organization_id,
                role_slug=role,
                resource_id=resource_id,
                context=context,
            )
            key = claims.group_assignment_key(group_id, role, resource_id)
            yield _claim(claims.GROUP_ROLE_ASSIGNMENT, key, assignment_id, context)
            data.group_roles[group_id].append((role, resource_id))


def _save_in_chunks(app: EventStore, aggregates: Iterable[IdgovAggregate]) -> int:
    saved = 0
    chunk: list[IdgovAggregate] = []
    for aggregate in aggregates:
        chunk.append(aggregate)
        if len(chunk) >= SAVE_CHUNK:
            app.save(*chunk)
            saved += len(chunk)
            chunk = []
    if chunk:
        app.save(*chunk)
        saved += len(chunk)
    return saved


def build(
    http: httpx.Client,
    app: EventStore,
    *,
    organizations: int,
    users: int,
    assignments: int,
    groups: int,
    seed: int = 1,
) -> tuple[DataSet, Written]:
    """Create the schema and organizations through the API, then bulk-write the rest into the
    event store with ``app``; time the bulk part."""
    rng = random.Random(seed)
    data = DataSet()
    create_schema(http)
    create_organizations(http, organizations, data)
    first = (app.recorder.max_notification_id() or 0) + 1
    started = time.perf_counter()
    _save_in_chunks(app, _resources(data))
    _save_in_chunks(app, _members(data, users, rng))
    _save_in_chunks(app, _assignments(data, assignments, rng))
    _save_in_chunks(app, _groups(data, groups, rng))
    seconds = time.perf_counter() - started
    last = app.recorder.max_notification_id() or 0
    return data, Written(last - first + 1, seconds, first, last)
