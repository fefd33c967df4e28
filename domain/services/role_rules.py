"""Which roles a slug names for an organization, and which a membership may hold.

Pure rules over the environment's schema and the organization's own roles (None while it
uses the environment's); the use cases load both and ask these.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.authorization_schema import ROOT_TYPE, AuthorizationSchema, Role
from domain.errors import Invalid
from domain.organization_roles import (
    OrganizationRoles,
    default_role_slug,
    effective_priority,
    resolve,
)


def _unknown(
    schema: AuthorizationSchema,
    organization: OrganizationRoles | None,
    slug: str,
    field: str,
    *,
    organization_level: bool,
) -> Invalid:
    """``invalid_role``, naming the roles that do exist (those a membership may hold, when
    ``organization_level``), so the caller can correct the request."""
    known = [
        role.slug
        for role in effective_priority(schema, organization)
        if not organization_level or role.resource_type_slug == ROOT_TYPE
    ]
    return Invalid(
        f"Role '{slug}' does not exist for this organization; it has: {', '.join(known)}.",
        code="invalid_role",
        field=field,
    )


def existing_role(
    schema: AuthorizationSchema, organization: OrganizationRoles | None, slug: str
) -> Role:
    """The environment role or custom role ``slug`` names; ``invalid_role`` otherwise."""
    role = resolve(schema, organization, slug)
    if role is None:
        raise _unknown(schema, organization, slug, "role_slug", organization_level=False)
    return role


def membership_roles(
    schema: AuthorizationSchema,
    organization: OrganizationRoles | None,
    requested: Sequence[str],
    field: str,
) -> tuple[str, ...]:
    """The organization-level roles a membership may hold, checked (the organization's
    default role when none is named). ``field`` names the request field, for errors."""
    if not requested:
        default = default_role_slug(schema, organization)
        if default is None:
            raise Invalid("There is no default role to give.", code="invalid_role", field=field)
        return (default,)
    if len(requested) > 1 and not schema.multiple_roles:
        raise Invalid(
            "A membership holds one role unless multiple roles are enabled.",
            code="multiple_roles_not_enabled",
            field=field,
        )
    for slug in requested:
        role = resolve(schema, organization, slug)
        if role is None:
            raise _unknown(schema, organization, slug, field, organization_level=True)
        if role.resource_type_slug != ROOT_TYPE:
            raise Invalid(
                f"Role '{slug}' is scoped to '{role.resource_type_slug}': assign it on a"
                " resource instead.",
                code="sub_resource_scoped_role_not_allowed",
                field=field,
            )
    return tuple(requested)
