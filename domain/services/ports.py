"""What use cases ask of the read side: ids a cascade or a role change must visit.

The read side answers once it has seen every commit, so no dependent saved before the
question is missed. Each answer is only a list of ids: the use case loads and decides on
the aggregates themselves.
"""

from __future__ import annotations

from typing import Protocol


class MembershipIndex(Protocol):
    def membership_ids(
        self, *, organization_id: str | None = None, user_id: str | None = None
    ) -> list[str]:
        """The memberships of an organization, or of a user."""
        ...


class AccessIndex(Protocol):
    def descendant_ids(self, resource_id: str) -> list[str]:
        """Resources below ``resource_id``, deepest first."""
        ...

    def resource_ids_of_organization(self, organization_id: str) -> list[str]:
        """Every non-root resource of the organization, deepest first."""
        ...

    def assignment_ids(
        self, *, resource_ids: list[str] | None = None, membership_id: str | None = None
    ) -> list[str]:
        """Role assignments on these resources, or of a membership."""
        ...

    def group_ids_of_organization(self, organization_id: str) -> list[str]: ...

    def group_member_ids(
        self, *, group_id: str | None = None, membership_id: str | None = None
    ) -> list[str]:
        """The links (``GroupMember`` ids) of a group, or of a membership."""
        ...

    def group_role_assignment_ids(
        self, *, group_id: str | None = None, resource_ids: list[str] | None = None
    ) -> list[str]: ...


class RoleIndex(Protocol):
    """``organization_id=None`` means: in every organization where the slug names the
    environment role."""

    def organizations_with_custom_roles(
        self,
        *,
        slug: str | None = None,
        permission_slugs: list[str] | None = None,
        resource_type_slugs: list[str] | None = None,
    ) -> list[str]:
        """Organizations with a custom role of that slug, holding one of the permissions, or
        scoped to or holding a permission of one of the types."""
        ...

    def organizations_defaulting_to(self, role_slug: str) -> list[str]:
        """Organizations with a default role of their own, ``role_slug``."""
        ...

    def role_holder_ids(self, role_slug: str, organization_id: str | None = None) -> list[str]:
        """Memberships (any status) holding the role at organization level."""
        ...

    def role_assignment_ids(self, role_slug: str, organization_id: str | None = None) -> list[str]:
        """Direct role assignments of the role on resources."""
        ...

    def group_role_mapping_ids(
        self, role_slug: str, organization_id: str | None = None
    ) -> list[str]:
        """Groups' role assignments of the role."""
        ...

    def multi_role_membership_ids(self) -> list[str]:
        """Memberships holding more than one organization-level role."""
        ...
