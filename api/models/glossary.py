"""What the API's names mean, once for every route and model that uses them.

A parameter or a body field is described here by its name, with an example, unless its
route or model describes it itself (``Field(description=...)``); ``api.openapi`` puts these
words in the document, and a test holds that nothing is left undescribed.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Term(NamedTuple):
    description: str
    example: Any = None


_ORGANIZATION_ID = Term("The organization's id.", "org_01HXYZ7Q4RVB3N0M6C8D2E5F9G")
_MEMBERSHIP_ID = Term("The organization membership's id.", "om_01HXYZ7Q4RVB3N0M6C8D2E5F9G")
_RESOURCE_ID = Term("The resource's id.", "authz_resource_01HXYZ7Q4RVB3N0M6C8D2E5F9G")
_EXTERNAL_ID = Term("Your own id for the object, unique among its kind.", "acme-1042")
_TYPE_SLUG = Term("The resource type's slug.", "workspace")
_PERMISSION_SLUG = Term("The permission's slug.", "projects:read")
_CURSOR = "An object id: the page of objects {} it in the list's order."

PARAMETERS: dict[str, Term] = {
    "actor": Term(
        "An actor's id: the API key that made the change, or whom it acted for.",
        "user_01HXYZ7Q4RVB3N0M6C8D2E5F9G",
    ),
    "target": Term("The id of an object the change touched.", "org_01HXYZ7Q4RVB3N0M6C8D2E5F9G"),
    "event_type": Term(
        "Event types, repeated or comma-separated.", "organization.renamed,organization.deleted"
    ),
    "occurred_after": Term("Changes at or after this instant (ISO 8601).", "2026-01-01T00:00:00Z"),
    "occurred_before": Term("Changes before this instant (ISO 8601).", "2026-02-01T00:00:00Z"),
    "q": Term("Text in the names of the objects and actors, as they were then.", "Acme"),
    "api_key_id": Term("The API key's id.", "key_01HXYZ7Q4RVB3N0M6C8D2E5F9G"),
    "organization_id": _ORGANIZATION_ID,
    "organization": Term("The organization's id (the SDK's older name).", _ORGANIZATION_ID[1]),
    "organization_membership_id": _MEMBERSHIP_ID,
    "membership_id": _MEMBERSHIP_ID,
    "user_id": Term("The user's id.", "user_01HXYZ7Q4RVB3N0M6C8D2E5F9G"),
    "group_id": Term("The group's id.", "group_01HXYZ7Q4RVB3N0M6C8D2E5F9G"),
    "role_assignment_id": Term("The role assignment's id.", "role_assignment_01HXYZ7Q4RVB3N0M"),
    "resource_id": _RESOURCE_ID,
    "external_id": _EXTERNAL_ID,
    "resource_external_id": Term("The resource's external id (with its type's slug).", "acme-1042"),
    "resource_type_slug": _TYPE_SLUG,
    "parent_resource_id": Term("Only resources under this parent, by id.", _RESOURCE_ID[1]),
    "parent_resource_external_id": Term(
        "Only resources under this parent, by its external id (with its type's slug).",
        "acme-1042",
    ),
    "parent_resource_type_slug": Term("The parent resource's type slug.", "workspace"),
    "parent_external_id": Term("Only resources under the parent of this external id.", "acme"),
    "slug": Term("The slug: unique among its kind, chosen when it was created.", "admin"),
    "permission_slug": _PERMISSION_SLUG,
    "role_slug": Term("Only assignments of the role of this slug.", "admin"),
    "limit": Term("How many objects a page holds, 1 to 100.", 10),
    "before": Term(_CURSOR.format("before"), "org_01HXYZ7Q4RVB3N0M6C8D2E5F9G"),
    "after": Term(_CURSOR.format("after"), "org_01HXYZ7Q4RVB3N0M6C8D2E5F9G"),
    "order": Term("The list's order by creation: `desc` (default), `asc`, or `normal`.", "desc"),
    "domains": Term("Only organizations with one of these domains (comma-separated).", "acme.com"),
    "search": Term("Only objects whose name contains this text.", "Acme"),
    "email": Term("Only the user with this email address.", "ada@acme.com"),
    "statuses": Term(
        "Only memberships in these states (comma-separated: active, inactive, pending);"
        " active by default.",
        "active,inactive",
    ),
    "cascade_delete": Term(
        "Delete the resource's descendants and role assignments with it; without it, a resource"
        " that has any is not deleted (409).",
        True,
    ),
    "assignment": Term(
        "`direct`: only memberships assigned a role on the resource itself; `indirect`: also"
        " through its ancestors and groups.",
        "direct",
    ),
    "X-Idgov-Consistency": Term(
        "How fresh the read must be: `fully_consistent` (default: everything committed before"
        " the read began), `at_least_as_fresh` (with `X-Idgov-Consistency-Token`), or"
        " `minimize_latency` (the read model as it is).",
        "fully_consistent",
    ),
    "X-Idgov-Consistency-Token": Term(
        "A command's `X-Idgov-Consistency-Token`: the read waits until the model holds it.",
        "4211",
    ),
}

PROPERTIES: dict[str, Term] = {
    "object": Term("The kind of object."),
    "id": Term("The object's id, prefixed by its kind."),
    "name": Term("The object's name, for people.", "Acme"),
    "description": Term("What the object is for, for people.", "Can read every project."),
    "slug": Term("The slug: unique among its kind, chosen when it was created.", "admin"),
    "created_at": Term("When it was created (ISO 8601).", "2026-01-15T09:30:00.000Z"),
    "updated_at": Term("When it last changed (ISO 8601).", "2026-01-15T09:30:00.000Z"),
    "data": Term("The objects, in the list's order."),
    "list_metadata": Term("The cursors of the neighbouring pages."),
    "before": Term("Pass as `before` for the previous page; null on the first page."),
    "after": Term("Pass as `after` for the next page; null on the last page."),
    "external_id": _EXTERNAL_ID,
    "organization_id": _ORGANIZATION_ID,
    "organization_name": Term("The organization's name.", "Acme"),
    "organization_membership_id": _MEMBERSHIP_ID,
    "user_id": Term("The user's id.", "user_01HXYZ7Q4RVB3N0M6C8D2E5F9G"),
    "group_id": Term("The group's id.", "group_01HXYZ7Q4RVB3N0M6C8D2E5F9G"),
    "resource_id": _RESOURCE_ID,
    "resource_external_id": Term("The resource's external id, with `resource_type_slug`."),
    "resource_type_slug": _TYPE_SLUG,
    "parent_resource_id": Term("The parent resource's id."),
    "parent_resource_external_id": Term(
        "The parent resource's external id, with `parent_resource_type_slug`."
    ),
    "parent_resource_type_slug": Term("The parent resource's type slug."),
    "parent_type_slugs": Term("The resource types a resource of this type may sit under."),
    "metadata": Term("Your own key-value pairs (at most 50).", {"tier": "gold"}),
    "domains": Term("The organization's domains."),
    "domain_data": Term("The organization's domains, each with its verification state."),
    "domain": Term("A domain name.", "acme.com"),
    "state": Term("The domain's verification state.", "verified"),
    "stripe_customer_id": Term("The organization's Stripe customer id.", "cus_R9qWAGMQ6nGE7V"),
    "allow_profiles_outside_organization": Term(
        "Whether members may sign in with profiles outside the organization's domains."
    ),
    "email": Term("The email address.", "ada@acme.com"),
    "email_verified": Term("Whether the email address is verified."),
    "first_name": Term("The user's first name.", "Ada"),
    "last_name": Term("The user's last name.", "Lovelace"),
    "profile_picture_url": Term("A URL of the user's picture."),
    "last_sign_in_at": Term("When the user last signed in (never set by idgov)."),
    "locale": Term("The user's locale."),
    "status": Term("The membership's state.", "active"),
    "directory_managed": Term("Whether a directory (SCIM) manages the membership."),
    "custom_attributes": Term("Attributes a directory provides for the membership."),
    "user": Term("The member."),
    "role": Term("The role."),
    "roles": Term("Every role the membership holds."),
    "role_slug": Term("The role's slug.", "admin"),
    "role_slugs": Term("The slugs of the roles.", ["admin"]),
    "role_assignments": Term("Role assignments to make."),
    "default_role_slug": Term("The role a new membership gets when it is given none.", "member"),
    "priority_order": Term(
        "Role slugs, highest priority first: which role a membership shows as its `role`."
    ),
    "multiple_roles": Term("Whether a membership may hold more than one role."),
    "customized": Term("Whether the organization changed the environment's settings."),
    "permissions": Term("Permission slugs.", ["projects:read"]),
    "system": Term("Whether idgov made it (it cannot be changed or deleted)."),
    "type": Term("Whether the role belongs to the environment or one organization."),
    "resource": Term("The resource the role is assigned on."),
    "source": Term("How the assignment was made: directly, or through a group."),
    "authorized": Term("Whether the membership has the permission on the resource."),
    "ip_address": Term("The IP address the user signed up from (for WorkOS Radar).", "203.0.113.7"),
    "user_agent": Term("The user agent the user signed up with (for WorkOS Radar)."),
    "signals_id": Term("WorkOS Radar's signals id for the sign-up."),
    "add": Term("What to add."),
    "remove": Term("What to remove."),
}
