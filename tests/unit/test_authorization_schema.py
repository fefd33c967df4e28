"""Rules of the authorization schema: types, permissions, environment roles (pure domain)."""

from __future__ import annotations

import pytest

from domain.authorization_schema import MAX_CHILD_TYPES, MAX_TYPES, AuthorizationSchema
from domain.errors import Conflict, Invalid, NotFound
from domain.events import Actor, EventContext

CONTEXT = EventContext(actor=Actor("user", "user_admin"), source="api", request_id="req_1")


def schema_with(*types: tuple[str, tuple[str, ...]]) -> AuthorizationSchema:
    schema = AuthorizationSchema(context=CONTEXT)
    for slug, parents in types:
        schema.create_resource_type(slug, slug.title(), None, parents, CONTEXT)
    return schema


@pytest.fixture
def workspace_schema() -> AuthorizationSchema:
    """organization > workspace > project > app, and app also directly under workspace."""
    schema = schema_with(
        ("workspace", ("organization",)),
        ("project", ("workspace",)),
        ("app", ("workspace", "project")),
    )
    schema.create_permission("project:view", "View", None, "project", CONTEXT)
    schema.create_permission("app:deploy", "Deploy", None, "app", CONTEXT)
    schema.create_permission("org:billing", "Billing", None, "organization", CONTEXT)
    return schema


def test_a_role_may_hold_permissions_of_its_type_and_descendant_types(
    workspace_schema: AuthorizationSchema,
) -> None:
    role = workspace_schema.create_role(
        "workspace-admin", "Admin", None, "workspace", CONTEXT, ("project:view", "app:deploy")
    )
    assert role.permissions == ("project:view", "app:deploy")
    workspace_schema.create_role(
        "project-viewer", "Viewer", None, "project", CONTEXT, ("project:view",)
    )
    with pytest.raises(Invalid) as error:
        workspace_schema.create_role("app-admin", "App", None, "app", CONTEXT, ("project:view",))
    assert error.value.code == "permission_outside_role_scope"
    with pytest.raises(Invalid) as error:
        workspace_schema.create_role("billing", "B", None, "workspace", CONTEXT, ("org:billing",))
    assert error.value.code == "permission_outside_role_scope"


def test_unknown_permission_and_type_are_rejected(workspace_schema: AuthorizationSchema) -> None:
    with pytest.raises(Invalid) as error:
        workspace_schema.create_role("r", "R", None, "workspace", CONTEXT, ("nope:nope",))
    assert error.value.code == "permission_not_found"
    with pytest.raises(Invalid) as error:
        workspace_schema.create_permission("x:y", "X", None, "galaxy", CONTEXT)
    assert (error.value.code, error.value.field) == (
        "resource_type_not_found",
        "resource_type_slug",
    )


def test_slug_conflicts_and_formats(workspace_schema: AuthorizationSchema) -> None:
    with pytest.raises(Conflict) as conflict:
        workspace_schema.create_permission("app:deploy", "Again", None, "app", CONTEXT)
    assert conflict.value.code == "permission_slug_conflict"
    with pytest.raises(Conflict) as conflict:
        workspace_schema.create_resource_type(
            "organization", "Org", None, ("organization",), CONTEXT
        )
    assert conflict.value.code == "resource_type_slug_conflict"
    for bad in ("Upper", "-lead", "trail-", "a" * 49, "sp ace"):
        with pytest.raises(Invalid):
            workspace_schema.create_resource_type(bad, "Bad", None, ("organization",), CONTEXT)
    with pytest.raises(Invalid):
        workspace_schema.create_permission("App:Deploy", "Caps", None, "app", CONTEXT)


def test_cycles_are_refused(workspace_schema: AuthorizationSchema) -> None:
    with pytest.raises(Invalid) as error:
        workspace_schema.change_resource_type("workspace", CONTEXT, parent_type_slugs=("app",))
    assert error.value.code == "resource_type_cycle"
    with pytest.raises(Invalid) as error:
        workspace_schema.change_resource_type("project", CONTEXT, parent_type_slugs=("project",))
    assert error.value.code == "resource_type_cycle"


def test_depth_is_at_most_five_levels() -> None:
    schema = schema_with(
        ("l2", ("organization",)), ("l3", ("l2",)), ("l4", ("l3",)), ("l5", ("l4",))
    )
    with pytest.raises(Invalid) as error:
        schema.create_resource_type("l6", "L6", None, ("l5",), CONTEXT)
    assert error.value.code == "resource_type_depth_exceeded"
    schema.create_resource_type("side", "Side", None, ("organization",), CONTEXT)
    with pytest.raises(Invalid) as error:  # moving l2 under side would push l5 to level 6
        schema.change_resource_type("l2", CONTEXT, parent_type_slugs=("side",))
    assert error.value.code == "resource_type_depth_exceeded"


def test_child_type_and_type_count_limits() -> None:
    schema = schema_with(*[(f"c{i}", ("organization",)) for i in range(MAX_CHILD_TYPES)])
    with pytest.raises(Invalid) as error:
        schema.create_resource_type("one-more", "X", None, ("organization",), CONTEXT)
    assert error.value.code == "child_type_limit_exceeded"
    for i in range(MAX_TYPES - MAX_CHILD_TYPES):
        schema.create_resource_type(f"g{i}", "G", None, (f"c{i % MAX_CHILD_TYPES}",), CONTEXT)
    with pytest.raises(Invalid) as error:
        schema.create_resource_type("too-many", "X", None, ("c0",), CONTEXT)
    assert error.value.code == "resource_type_limit_exceeded"


def test_a_parent_type_cannot_be_removed_while_a_role_needs_its_reach(
    workspace_schema: AuthorizationSchema,
) -> None:
    workspace_schema.create_role(
        "workspace-admin", "Admin", None, "workspace", CONTEXT, ("app:deploy",)
    )
    # app stays reachable from workspace through project: allowed.
    workspace_schema.change_resource_type("app", CONTEXT, parent_type_slugs=("project",))
    with pytest.raises(Conflict) as conflict:
        workspace_schema.change_resource_type("app", CONTEXT, parent_type_slugs=("organization",))
    assert conflict.value.code == "resource_type_in_use"
    assert workspace_schema.get_type("app").parent_type_slugs == ("project",)


def test_only_unused_leaf_types_can_be_deleted(workspace_schema: AuthorizationSchema) -> None:
    with pytest.raises(Conflict, match="child types"):
        workspace_schema.delete_resource_type("project", CONTEXT)
    with pytest.raises(Conflict, match="permissions"):
        workspace_schema.delete_resource_type("app", CONTEXT)
    workspace_schema.create_resource_type("folder", "Folder", None, ("project",), CONTEXT)
    workspace_schema.delete_resource_type("folder", CONTEXT)
    with pytest.raises(NotFound):
        workspace_schema.get_type("folder")


def test_deleting_a_permission_removes_it_from_roles_as_events(
    workspace_schema: AuthorizationSchema,
) -> None:
    workspace_schema.create_role(
        "workspace-admin", "Admin", None, "workspace", CONTEXT, ("app:deploy",)
    )
    workspace_schema.collect_events()
    assert workspace_schema.delete_permission("app:deploy", CONTEXT) == ["workspace-admin"]
    kinds = [type(e).__name__ for e in workspace_schema.collect_events()]
    assert kinds == ["RolePermissionRemoved", "PermissionDeleted"]
    assert workspace_schema.get_role("workspace-admin").permissions == ()


def test_role_permission_edits(workspace_schema: AuthorizationSchema) -> None:
    workspace_schema.create_role("workspace-admin", "Admin", None, "workspace", CONTEXT)
    workspace_schema.add_role_permission("workspace-admin", "app:deploy", CONTEXT)
    workspace_schema.add_role_permission("workspace-admin", "app:deploy", CONTEXT)  # no-op
    workspace_schema.set_role_permissions(
        "workspace-admin", ("project:view", "project:view"), CONTEXT
    )
    assert workspace_schema.get_role("workspace-admin").permissions == ("project:view",)
    with pytest.raises(NotFound):
        workspace_schema.remove_role_permission("workspace-admin", "app:deploy", CONTEXT)


def test_first_organization_role_becomes_the_default() -> None:
    schema = schema_with(("workspace", ("organization",)))
    schema.create_role("workspace-admin", "Admin", None, "workspace", CONTEXT)
    assert schema.default_role_slug is None
    schema.create_role("member", "Member", None, "organization", CONTEXT)
    schema.create_role("admin", "Admin", None, "organization", CONTEXT)
    assert schema.default_role_slug == "member"
    with pytest.raises(Invalid):
        schema.set_default_role("workspace-admin", CONTEXT)
    schema.set_default_role("admin", CONTEXT)
    assert schema.default_role_slug == "admin"
    assert list(schema.roles) == ["workspace-admin", "member", "admin"]  # priority: creation order
