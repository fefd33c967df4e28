"""What the fields of idgov's events mean, by name, with an example value.

The AsyncAPI document (``consumers.contract``) describes every field of every event with these
words; a field of a nested object is looked up as ``Object.field`` first, then by its name.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Field(NamedTuple):
    description: str
    example: Any = None


_ORGANIZATION_ID = "org_01HXYZ7Q4RVB3N0M6C8D2E5F9G"

FIELDS: dict[str, Field] = {
    # What every event carries.
    "originator_id": Field(
        "The id of the aggregate the event is about.", "org_01HXYZ7Q4RVB3N0M6C8D2E5F9G"
    ),
    "originator_version": Field("The aggregate's version after this event (1 for its first).", 1),
    "originator_topic": Field(
        "The Python class of the aggregate a creation event creates.",
        "domain.organizations:Organization",
    ),
    "timestamp": Field("When the event happened (ISO 8601, UTC).", "2026-01-15T09:30:00Z"),
    "context": Field("Who made the change, through which channel, under which request, and why."),
    "EventContext.actor": Field("Who made the change."),
    "EventContext.organization_id": Field(
        "The organization the change belongs to; null for environment-level changes.",
        _ORGANIZATION_ID,
    ),
    "EventContext.reason": Field(
        "Why, as the caller wrote it (X-Idgov-Reason).", "Quarterly access review"
    ),
    "EventContext.request_id": Field("The id of the request that made it.", "req_7f3c2e"),
    "EventContext.source": Field("The channel: api, scim, sso, dashboard or system.", "api"),
    "EventContext.on_behalf_of": Field(
        "Whom the actor acted for (X-Idgov-Actor), when it said; null otherwise."
    ),
    "EventContext.client_ip": Field(
        "The address of the HTTP client that made the request, when one did.", "203.0.113.7"
    ),
    "EventContext.user_agent": Field(
        "The HTTP client's User-Agent (at most 512 characters), when one made the request.",
        "workos-python/5.0",
    ),
    "Actor.type": Field("What kind of actor: api_key, user, directory or system.", "api_key"),
    "Actor.id": Field("The actor's id.", "key_01HXYZ7Q4RVB3N0M6C8D2E5F9G"),
    "Actor.name": Field("The actor's name, when it has one.", "deploy key"),
    # Facts, by name.
    "scopes": Field("What the key may do: admin, read and audit:read.", ["read"]),
    "organization_ids": Field(
        "The organizations the key is restricted to; empty for every organization.",
        [_ORGANIZATION_ID],
    ),
    "previous_name": Field("The name before the change (null in events stored before).", "Acme"),
    "previous_description": Field(
        "The description before the change (null in events stored before).", "Can read."
    ),
    "previous_email": Field(
        "The email address before the change (null in events stored before).",
        "ada@example.com",
    ),
    "previous_first_name": Field(
        "The first name before the change (null in events stored before).", "Ada"
    ),
    "previous_last_name": Field(
        "The last name before the change (null in events stored before).", "Lovelace"
    ),
    "previous_role_slugs": Field(
        "The roles held before the change (null in events stored before).", ["member"]
    ),
    "id": Field("The object's id.", "org_domain_01HXYZ7Q4RVB3N0M6C8D2E5F9G"),
    "name": Field("The name, for people.", "Acme"),
    "description": Field("What it is for, for people.", "Can read every project."),
    "slug": Field("The slug: unique among its kind.", "admin"),
    "slugs": Field("Slugs, in order.", ["admin", "member"]),
    "display_hint": Field(
        "The key's ends, to recognise it by (never enough to guess it).", "sk_…3f9a"
    ),
    "admin_api_key_id": Field("The id of the environment's first API key.", "key_01HXYZ7Q4RVB3N0M"),
    "enabled": Field("Whether it is now on.", True),
    "organization_id": Field("The organization's id.", _ORGANIZATION_ID),
    "external_id": Field("The caller's own id for the object.", "acme-1042"),
    "metadata": Field("The caller's key-value pairs.", {"tier": "gold"}),
    "stripe_customer_id": Field("The organization's Stripe customer id.", "cus_R9qWAGMQ6nGE7V"),
    "allow_profiles_outside_organization": Field(
        "Whether members may sign in with profiles outside the organization's domains.", False
    ),
    "domains": Field("The organization's domains, all of them."),
    "OrganizationDomain.id": Field("The domain's id.", "org_domain_01HXYZ7Q4RVB3N0M6C8D2E5F9G"),
    "OrganizationDomain.domain": Field("The domain name.", "acme.com"),
    "OrganizationDomain.state": Field("The domain's verification state.", "verified"),
    "email": Field("The email address.", "ada@acme.com"),
    "email_verified": Field("Whether the email address is verified.", True),
    "first_name": Field("The user's first name.", "Ada"),
    "last_name": Field("The user's last name.", "Lovelace"),
    "user_id": Field("The user's id.", "user_01HXYZ7Q4RVB3N0M6C8D2E5F9G"),
    "status": Field("The membership's state.", "active"),
    "organization_membership_id": Field(
        "The organization membership's id.", "om_01HXYZ7Q4RVB3N0M6C8D2E5F9G"
    ),
    "group_id": Field("The group's id.", "group_01HXYZ7Q4RVB3N0M6C8D2E5F9G"),
    "resource_id": Field("The resource's id.", "authz_resource_01HXYZ7Q4RVB3N0M6C8D2E5F9G"),
    "parent_resource_id": Field(
        "The parent resource's id; null at the top.", "authz_resource_01HXYZ7Q4RVB3N0M6C8D2E5F9G"
    ),
    "from_parent_resource_id": Field(
        "The parent it had before.", "authz_resource_01HXYZ7Q4RVB3N0M6C8D2E5F9H"
    ),
    "resource_type_slug": Field("The slug of the resource type it is scoped to.", "workspace"),
    "resource_type": Field("The resource type, whole."),
    "parent_type_slugs": Field("The types a resource of this type may sit under.", ["workspace"]),
    "permission": Field("The permission, whole."),
    "permissions": Field("Permission slugs.", ["projects:read"]),
    "system": Field("Whether idgov made it (it cannot be changed or deleted).", False),
    "role": Field("The role, whole."),
    "role_id": Field("The role's id.", "role_01HXYZ7Q4RVB3N0M6C8D2E5F9G"),
    "role_slug": Field("The role's slug.", "admin"),
    "role_slugs": Field("Role slugs, in order.", ["admin"]),
    "default_role_slug": Field("The role a new membership gets when given none.", "member"),
    "priority": Field("Role slugs, highest priority first.", ["admin", "member"]),
}


def field(owner: str | None, name: str) -> Field | None:
    """The words for ``name``, a field of the nested object ``owner`` (None: of the event)."""
    return (FIELDS.get(f"{owner}.{name}") if owner else None) or FIELDS.get(name)
