"""An in-memory stand-in for the access read model, for domain tests without a database:
it answers cascade and role questions (resources, assignments, groups, roles) by replaying
the notification log."""

from __future__ import annotations

from typing import Any

from domain.application import IdentityApplication
from domain.groups import Group, GroupMember, GroupRoleAssignment
from domain.memberships import OrganizationMembership
from domain.organization_roles import OrganizationRoles
from domain.resources import Resource
from domain.role_assignments import RoleAssignment
from domain.services.ports import MembershipIndex
from domain.store import EventStore

IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


class LogMembershipIndex:
    """A stand-in for the read side: memberships found by scanning the notification log."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def membership_ids(
        self, *, organization_id: str | None = None, user_id: str | None = None
    ) -> list[str]:
        live: dict[str, OrganizationMembership.Created] = {}
        for notification in self.store.recorder.select_notifications(start=None, limit=1_000_000):
            e = self.store.mapper.to_domain_event(notification)
            if isinstance(e, OrganizationMembership.Created):
                live[e.originator_id] = e
            elif isinstance(e, OrganizationMembership.Deleted):
                live.pop(e.originator_id, None)
        return [
            m_id
            for m_id, created in live.items()
            if organization_id in (None, created.organization_id)
            and user_id in (None, created.user_id)
        ]


class LogAccessIndex:
    def __init__(self, store: EventStore) -> None:
        self.store = store

    def _replay(self) -> tuple[dict[str, Any], dict[str, Any]]:
        resources: dict[str, Any] = {}  # id -> (organization_id, parent_id)
        assignments: dict[str, Any] = {}  # id -> Created event
        for notification in self.store.recorder.select_notifications(start=None, limit=1_000_000):
            e = self.store.mapper.to_domain_event(notification)
            if isinstance(e, Resource.Created):
                resources[e.originator_id] = (e.organization_id, e.parent_resource_id)
            elif isinstance(e, Resource.Moved):
                resources[e.originator_id] = (resources[e.originator_id][0], e.parent_resource_id)
            elif isinstance(e, Resource.Deleted):
                resources.pop(e.originator_id, None)
            elif isinstance(e, RoleAssignment.Created):
                assignments[e.originator_id] = e
            elif isinstance(e, RoleAssignment.Removed):
                assignments.pop(e.originator_id, None)
        return resources, assignments

    @staticmethod
    def _depth(resources: dict[str, Any], resource_id: str) -> int:
        depth = 0
        while resources[resource_id][1] is not None:
            resource_id, depth = resources[resource_id][1], depth + 1
        return depth

    def descendant_ids(self, resource_id: str) -> list[str]:
        resources, _ = self._replay()

        def below(candidate: str) -> bool:
            parent = resources[candidate][1]
            while parent is not None:
                if parent == resource_id:
                    return True
                parent = resources[parent][1]
            return False

        found = [r for r in resources if below(r)]
        return sorted(found, key=lambda r: -self._depth(resources, r))

    def resource_ids_of_organization(self, organization_id: str) -> list[str]:
        resources, _ = self._replay()
        found = [
            r
            for r, (org, parent) in resources.items()
            if org == organization_id and parent is not None
        ]
        return sorted(found, key=lambda r: -self._depth(resources, r))

    def assignment_ids(
        self, *, resource_ids: list[str] | None = None, membership_id: str | None = None
    ) -> list[str]:
        _, assignments = self._replay()
        return sorted(
            a_id
            for a_id, e in assignments.items()
            if (resource_ids is not None and e.resource_id in resource_ids)
            or (membership_id is not None and e.organization_membership_id == membership_id)
        )

    def _live(self, created: type[Any], removed: type[Any]) -> dict[str, Any]:
        """Aggregates of one kind that were created and not removed, by id: their first event."""
        live: dict[str, Any] = {}
        for notification in self.store.recorder.select_notifications(start=None, limit=1_000_000):
            e = self.store.mapper.to_domain_event(notification)
            if isinstance(e, created):
                live[e.originator_id] = e
            elif isinstance(e, removed):
                live.pop(e.originator_id, None)
        return live

    def group_ids_of_organization(self, organization_id: str) -> list[str]:
        groups = self._live(Group.Created, Group.Deleted)
        return sorted(g for g, e in groups.items() if e.organization_id == organization_id)

    def group_member_ids(
        self, *, group_id: str | None = None, membership_id: str | None = None
    ) -> list[str]:
        links = self._live(GroupMember.Added, GroupMember.Removed)
        return sorted(
            link
            for link, e in links.items()
            if (group_id is not None and e.group_id == group_id)
            or (membership_id is not None and e.organization_membership_id == membership_id)
        )

    def group_role_assignment_ids(
        self, *, group_id: str | None = None, resource_ids: list[str] | None = None
    ) -> list[str]:
        assignments = self._live(GroupRoleAssignment.Created, GroupRoleAssignment.Removed)
        return sorted(
            a
            for a, e in assignments.items()
            if (group_id is not None and e.group_id == group_id)
            or (resource_ids is not None and e.resource_id in resource_ids)
        )

    # Roles -------------------------------------------------------------------

    def _events(self) -> list[Any]:
        return [
            self.store.mapper.to_domain_event(n)
            for n in self.store.recorder.select_notifications(start=None, limit=1_000_000)
        ]

    def _customised(self) -> list[OrganizationRoles]:
        found = []
        for e in self._events():
            if isinstance(e, OrganizationRoles.Created):
                roles = self.store.get_organization_roles(e.organization_id)
                assert roles is not None
                found.append(roles)
        return found

    def _membership_roles(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """membership id -> (organization id, role slugs)"""
        live: dict[str, tuple[str, tuple[str, ...]]] = {}
        for e in self._events():
            if isinstance(e, OrganizationMembership.Created):
                live[e.originator_id] = (e.organization_id, e.role_slugs)
            elif isinstance(e, OrganizationMembership.RolesChanged):
                live[e.originator_id] = (live[e.originator_id][0], e.role_slugs)
            elif isinstance(e, OrganizationMembership.Deleted):
                live.pop(e.originator_id, None)
        return live

    def _names_environment_role(self, organization_id: str, slug: str) -> bool:
        roles = self.store.get_organization_roles(organization_id)
        return roles is None or slug not in roles.roles

    def organizations_with_custom_roles(
        self,
        *,
        slug: str | None = None,
        permission_slugs: list[str] | None = None,
        resource_type_slugs: list[str] | None = None,
    ) -> list[str]:
        schema = self.store.get_schema()
        types = set(resource_type_slugs or ())

        def touches(role: Any) -> bool:
            of_types = {
                schema.permissions[p].resource_type_slug
                for p in role.permissions
                if p in schema.permissions
            }
            return (
                role.slug == slug
                or bool(set(permission_slugs or ()) & set(role.permissions))
                or role.resource_type_slug in types
                or bool(of_types & types)
            )

        return sorted(
            o.organization_id for o in self._customised() if any(map(touches, o.roles.values()))
        )

    def organizations_defaulting_to(self, role_slug: str) -> list[str]:
        return sorted(
            o.organization_id for o in self._customised() if o.default_role_slug == role_slug
        )

    def role_holder_ids(self, role_slug: str, organization_id: str | None = None) -> list[str]:
        return sorted(
            m
            for m, (org, roles) in self._membership_roles().items()
            if role_slug in roles
            and (
                org == organization_id
                if organization_id is not None
                else self._names_environment_role(org, role_slug)
            )
        )

    def role_assignment_ids(self, role_slug: str, organization_id: str | None = None) -> list[str]:
        _, assignments = self._replay()
        return sorted(
            a_id
            for a_id, e in assignments.items()
            if e.role_slug == role_slug
            and (
                e.organization_id == organization_id
                if organization_id is not None
                else self._names_environment_role(e.organization_id, role_slug)
            )
        )

    def group_role_mapping_ids(
        self, role_slug: str, organization_id: str | None = None
    ) -> list[str]:
        assignments = self._live(GroupRoleAssignment.Created, GroupRoleAssignment.Removed)
        return sorted(
            a_id
            for a_id, e in assignments.items()
            if e.role_slug == role_slug
            and (
                e.organization_id == organization_id
                if organization_id is not None
                else self._names_environment_role(e.organization_id, role_slug)
            )
        )

    def multi_role_membership_ids(self) -> list[str]:
        return sorted(m for m, (_, roles) in self._membership_roles().items() if len(roles) > 1)


def in_memory_app(
    store: EventStore | None = None, memberships: MembershipIndex | None = None
) -> IdentityApplication:
    """The command side over an in-memory event store, its read side answered from the log."""
    store = store or EventStore(env=IN_MEMORY)
    access = LogAccessIndex(store)
    return IdentityApplication(
        store,
        access=access,
        memberships=memberships or LogMembershipIndex(store),
        roles=access,
        server_key=b"tests-server-key",
    )
