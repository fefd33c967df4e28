"""The unique values idgov guards with ``Claim`` aggregates: their kinds and how their
values are spelled. One place, so a use case and the cascade that releases the value agree."""

from __future__ import annotations

ORGANIZATION_EXTERNAL_ID = "org_external_id"
USER_EMAIL = "user_email"
USER_EXTERNAL_ID = "user_external_id"
MEMBERSHIP = "membership"
RESOURCE = "resource"
ROLE_ASSIGNMENT = "role_assignment"
GROUP_MEMBER = "group_member"
GROUP_ROLE_ASSIGNMENT = "group_role_assignment"
API_KEY_SECRET = "api_key_secret"  # noqa: S105 (a kind of claim: the value is a keyed digest)


def membership_key(user_id: str, organization_id: str) -> str:
    """One membership per user and organization."""
    return f"{user_id}/{organization_id}"


def resource_key(organization_id: str, resource_type_slug: str, external_id: str) -> str:
    """One resource per external id and type in an organization."""
    return f"{organization_id}/{resource_type_slug}/{external_id}"


def role_assignment_key(membership_id: str, role_slug: str, resource_id: str) -> str:
    """A membership holds a role on a resource once."""
    return f"{membership_id}/{role_slug}/{resource_id}"


def group_member_key(group_id: str, membership_id: str) -> str:
    """A membership is linked to a group once."""
    return f"{group_id}/{membership_id}"


def group_assignment_key(group_id: str, role_slug: str, resource_id: str) -> str:
    """A group holds a role on a resource once."""
    return f"{group_id}/{role_slug}/{resource_id}"
