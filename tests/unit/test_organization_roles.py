"""Organizations' custom roles, default roles and priority orders, role deletion and the roles
a membership may hold: the command side on eventsourcing's in-memory persistence."""

from __future__ import annotations

from typing import Any

import pytest

from domain.application import IdentityApplication
from domain.authorization_schema import AuthorizationSchema
from domain.catalog import EVENT_CLASSES
from domain.errors import Conflict, DomainError, Invalid, NotFound
from domain.events import Actor, EventContext, event_type
from domain.organization_roles import OrganizationRoles, generated_slug
from tests.unit.log_index import LogMembershipIndex, in_memory_app

ACTOR = Actor(type="api_key", id="key_roles", name="tests")
CONTEXT = EventContext(actor=ACTOR, source="api", request_id="req_roles")


@pytest.fixture
def app() -> IdentityApplication:
    app = in_memory_app()
    app.environment.initialize_environment(CONTEXT)
    app.schema.delete_role(CONTEXT, "admin")  # these tests name and order their roles themselves
    app.schema.create_resource_type(
        CONTEXT, slug="workspace", name="Workspace", description=None, parent_type_slugs=[]
    )
    app.schema.create_resource_type(
        CONTEXT,
        slug="project",
        name="Project",
        description=None,
        parent_type_slugs=["workspace"],
    )
    for slug, type_slug in (
        ("org:billing", "organization"),
        ("workspace:edit", "workspace"),
        ("project:view", "project"),
    ):
        app.schema.create_permission(
            CONTEXT, slug=slug, name=slug, description=None, resource_type_slug=type_slug
        )
    return app


def _code(error: pytest.ExceptionInfo[DomainError]) -> str:
    return error.value.code


def env_role(app: IdentityApplication, slug: str, type_slug: str | None = None) -> None:
    app.schema.create_role(
        CONTEXT, slug=slug, name=slug.title(), description=None, resource_type_slug=type_slug
    )


def custom_role(
    app: IdentityApplication,
    organization_id: str,
    slug: str | None,
    name: str = "Custom",
    type_slug: str | None = None,
) -> str:
    return app.custom_roles.create_organization_role(
        CONTEXT,
        organization_id,
        slug=slug,
        name=name,
        description=None,
        resource_type_slug=type_slug,
    ).value.slug


def org(app: IdentityApplication, name: str = "Acme") -> str:
    return app.organizations.create_organization(CONTEXT, name=name).value.id


def member(app: IdentityApplication, organization_id: str, roles: list[str] | None = None) -> str:
    user = app.users.create_user(CONTEXT, email=f"u{len(_events(app))}@example.test").value
    return app.memberships.create_membership(
        CONTEXT, user_id=user.id, organization_id=organization_id, role_slugs=roles or []
    ).value.id


def roles_of(app: IdentityApplication, membership_id: str) -> tuple[str, ...]:
    return app.store.get_membership(membership_id).role_slugs


def order(app: IdentityApplication, organization_id: str) -> list[str]:
    from domain.organization_roles import effective_priority

    roles = app.store.get_organization_roles(organization_id)
    return [r.slug for r in effective_priority(app.store.get_schema(), roles)]


def _events(app: IdentityApplication, start: int | None = None) -> list[Any]:
    return [
        app.store.mapper.to_domain_event(n)
        for n in app.store.recorder.select_notifications(start=start, limit=1_000_000)
    ]


def _names(events: list[Any]) -> list[str]:
    return [type(e).__qualname__ for e in events]


# ----------------------------------------------------------------- slugs --


@pytest.mark.parametrize(
    "slug",
    [
        "admin",
        "org-",
        "org--x",
        "org-x-",
        "org-x_",
        "org-x__y",
        "org-x-_y",
        "org_x",
        "org-X",
        "org-x y",
        "org-é",
        "org-" + "a" * 45,
    ],
)
def test_a_supplied_slug_starts_with_org_and_has_single_separators(
    app: IdentityApplication, slug: str
) -> None:
    acme = org(app)
    with pytest.raises(Invalid) as error:
        custom_role(app, acme, slug)
    assert (_code(error), error.value.field) == ("invalid_slug", "slug")
    assert app.store.get_organization_roles(acme) is None  # nothing was saved


@pytest.mark.parametrize("slug", ["org-a", "org-billing_admin", "org-a1-b2_c3", "org-" + "a" * 44])
def test_valid_supplied_slugs(app: IdentityApplication, slug: str) -> None:
    assert custom_role(app, org(app), slug) == slug


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("Billing Admin", "billing-admin"),
        ("  Billing -- Admin!! ", "billing-admin"),
        ("Café Ops_Team", "cafe-ops-team"),
        ("Ops" + " x" * 40, "ops" + "-x" * 19),
        ("!!!", ""),
    ],
)
def test_an_omitted_slug_comes_from_the_name_and_the_role_id(name: str, base: str) -> None:
    role_id = "role_01J8ZZZZZZZZZZZZZZZZAB12CD"
    slug = generated_slug(name, role_id)
    assert slug == (f"{base}-ab12cd" if base else "ab12cd")
    assert len(slug) <= 48
    assert "--" not in slug
    assert not slug.startswith("-")


def test_generated_slugs_are_the_roles_own(app: IdentityApplication) -> None:
    acme = org(app)
    first = custom_role(app, acme, None, name="Billing Admin")
    second = custom_role(app, acme, None, name="Billing Admin")
    assert first.startswith("billing-admin-")
    assert second.startswith("billing-admin-")
    assert first != second
    roles = app.store.get_organization_roles(acme)
    assert roles is not None
    assert first.endswith(roles.roles[first].id[-6:].lower())


def test_slugs_are_unique_in_an_organization_and_apart_from_environment_roles(
    app: IdentityApplication,
) -> None:
    acme, globex = org(app), org(app, "Globex")
    custom_role(app, acme, "org-admin")
    custom_role(app, globex, "org-admin")  # another organization may use it
    with pytest.raises(Conflict) as taken:
        custom_role(app, acme, "org-admin")
    assert _code(taken) == "organization_role_slug_conflict"
    # The prefix keeps supplied slugs apart from environment roles...
    with pytest.raises(Invalid) as reserved:
        env_role(app, "org-admin")
    assert _code(reserved) == "invalid_slug"
    # ... and an environment role may not take a generated custom slug.
    generated = custom_role(app, acme, None, name="Ops")
    with pytest.raises(Conflict) as clash:
        env_role(app, generated)
    assert _code(clash) == "role_slug_conflict"
    assert generated not in app.store.get_schema().roles


def test_custom_roles_hold_permissions_of_their_type_and_types_below(
    app: IdentityApplication,
) -> None:
    acme = org(app)
    slug = custom_role(app, acme, "org-ws", type_slug="workspace")
    app.custom_roles.set_organization_role_permissions(
        CONTEXT, acme, slug, ["workspace:edit", "project:view"]
    )
    with pytest.raises(Invalid) as outside:
        app.custom_roles.add_organization_role_permission(CONTEXT, acme, slug, "org:billing")
    assert _code(outside) == "permission_outside_role_scope"
    with pytest.raises(Invalid) as unknown:
        custom_role(app, acme, "org-x", type_slug="galaxy")
    assert _code(unknown) == "resource_type_not_found"
    app.custom_roles.add_organization_role_permission(CONTEXT, acme, slug, "project:view")  # no-op
    role = app.custom_roles.remove_organization_role_permission(
        CONTEXT, acme, slug, "workspace:edit"
    ).value
    assert role.permissions == ("project:view",)
    with pytest.raises(NotFound):
        app.custom_roles.remove_organization_role_permission(CONTEXT, acme, slug, "workspace:edit")
    with pytest.raises(NotFound):  # environment roles change through their own use cases
        app.custom_roles.update_organization_role(CONTEXT, acme, "member", name="x")


# ------------------------------------------------------ priority and default --


def test_an_organization_follows_the_environment_until_it_has_roles_of_its_own(
    app: IdentityApplication,
) -> None:
    env_role(app, "admin")
    acme = org(app)
    assert app.store.get_organization_roles(acme) is None
    assert order(app, acme) == ["member", "admin"]
    app.role_settings.change_role_settings(CONTEXT, priority_order=["admin", "member"])
    assert order(app, acme) == ["admin", "member"]

    custom_role(app, acme, "org-c1")
    assert order(app, acme) == ["admin", "member", "org-c1"]
    env_role(app, "x")  # new environment roles join the bottom
    assert order(app, acme) == ["admin", "member", "org-c1", "x"]
    custom_role(app, acme, "org-c2")  # and so do new custom roles
    assert order(app, acme) == ["admin", "member", "org-c1", "x", "org-c2"]
    # From now on the environment's order is not the organization's.
    app.role_settings.change_role_settings(CONTEXT, priority_order=["x", "member", "admin"])
    assert order(app, acme) == ["admin", "member", "org-c1", "x", "org-c2"]
    assert list(app.store.get_schema().roles) == ["x", "member", "admin"]

    roles = app.store.get_organization_roles(acme)
    assert roles is not None
    assert _names(app.store.events.get(roles.id)) == [
        "OrganizationRoles.Created",
        "OrganizationRoles.RoleCreated",
        "OrganizationRoles.PriorityOrderSet",  # x joined the order before org-c2
        "OrganizationRoles.RoleCreated",
    ]


def test_an_organization_order_names_every_role_once(app: IdentityApplication) -> None:
    acme = org(app)
    custom_role(app, acme, "org-c1")
    for wrong in (["member"], ["member", "org-c1", "org-c1"], ["member", "org-c1", "nobody"]):
        with pytest.raises(Invalid) as error:
            app.role_settings.change_organization_role_settings(CONTEXT, acme, priority_order=wrong)
        assert (_code(error), error.value.field) == ("invalid_priority_order", "priority_order")
    app.role_settings.change_organization_role_settings(
        CONTEXT, acme, priority_order=["org-c1", "member"]
    )
    assert order(app, acme) == ["org-c1", "member"]
    with pytest.raises(Invalid) as env_error:
        app.role_settings.change_role_settings(CONTEXT, priority_order=["member", "member"])
    assert _code(env_error) == "invalid_priority_order"


def test_default_roles(app: IdentityApplication) -> None:
    env_role(app, "admin")
    env_role(app, "ws-admin", "workspace")
    acme, globex = org(app), org(app, "Globex")
    custom_role(app, acme, "org-basic")
    assert app.store.get_membership(member(app, acme)).role_slugs == ("member",)  # copied

    app.role_settings.change_role_settings(CONTEXT, default_role_slug="admin")
    assert roles_of(app, member(app, globex)) == ("admin",)  # follows the environment
    assert roles_of(app, member(app, acme)) == ("member",)  # has its own

    app.role_settings.change_organization_role_settings(
        CONTEXT, acme, default_role_slug="org-basic"
    )
    assert roles_of(app, member(app, acme)) == ("org-basic",)
    for wrong, code in (("ws-admin", "invalid_role"), ("nobody", "invalid_role")):
        with pytest.raises(Invalid) as error:
            app.role_settings.change_organization_role_settings(
                CONTEXT, acme, default_role_slug=wrong
            )
        assert (_code(error), error.value.field) == (code, "default_role_slug")
        with pytest.raises(Invalid):
            app.role_settings.change_role_settings(CONTEXT, default_role_slug=wrong)
    with pytest.raises(Invalid):  # another organization's custom role
        app.role_settings.change_organization_role_settings(
            CONTEXT, globex, default_role_slug="org-basic"
        )
    assert app.store.get_organization_roles(globex) is None  # a refused change customises nothing


def test_a_settings_change_that_changes_nothing_customises_nothing(
    app: IdentityApplication,
) -> None:
    acme = org(app)
    result = app.role_settings.change_organization_role_settings(
        CONTEXT, acme, default_role_slug="member", priority_order=["member"]
    )
    assert result.position is None
    assert app.store.get_organization_roles(acme) is None
    app.role_settings.change_organization_role_settings(CONTEXT, acme, default_role_slug="member")
    env_role(app, "admin")
    app.role_settings.change_organization_role_settings(CONTEXT, acme, default_role_slug="admin")
    roles = app.store.get_organization_roles(acme)
    assert roles is not None
    assert roles.default_role_slug == "admin"
    assert app.store.get_schema().default_role_slug == "member"


# ---------------------------------------------------- membership roles --


def test_membership_roles_are_checked(app: IdentityApplication) -> None:
    env_role(app, "admin")
    env_role(app, "ws-admin", "workspace")
    acme, globex = org(app), org(app, "Globex")
    custom_role(app, acme, "org-own")
    custom_role(app, acme, "org-scoped", type_slug="workspace")
    user = app.users.create_user(CONTEXT, email="checked@example.test").value

    def refused(roles: list[str], field: str = "role_slugs", organization: str = acme) -> str:
        with pytest.raises(Invalid) as error:
            app.memberships.create_membership(
                CONTEXT,
                user_id=user.id,
                organization_id=organization,
                role_slugs=roles,
                role_field=field,
            )
        assert error.value.field == field
        return _code(error)

    assert refused(["nobody"], "role_slug") == "invalid_role"
    assert refused(["org-own"], organization=globex) == "invalid_role"  # another's custom role
    assert refused(["ws-admin"]) == "sub_resource_scoped_role_not_allowed"
    assert refused(["org-scoped"]) == "sub_resource_scoped_role_not_allowed"
    assert refused(["admin", "org-own"]) == "multiple_roles_not_enabled"
    assert LogMembershipIndex(app.store).membership_ids(user_id=user.id) == []

    one = member(app, acme, ["org-own"])
    with pytest.raises(Invalid) as update:
        app.memberships.change_membership_roles(
            CONTEXT, one, ["admin", "member"], role_field="role_slugs"
        )
    assert _code(update) == "multiple_roles_not_enabled"
    app.role_settings.change_role_settings(CONTEXT, multiple_roles=True)
    assert app.memberships.change_membership_roles(
        CONTEXT, one, ["admin", "org-own"]
    ).value.role_slugs == (
        "admin",
        "org-own",
    )


def test_resource_scoped_custom_roles_are_assigned_on_resources(
    app: IdentityApplication,
) -> None:
    acme, globex = org(app), org(app, "Globex")
    custom_role(app, acme, "org-ws", type_slug="workspace")
    custom_role(app, acme, "org-top")
    ws = app.resources.create_resource(
        CONTEXT, organization_id=acme, resource_type_slug="workspace", external_id="w", name="W"
    ).value
    other = app.resources.create_resource(
        CONTEXT, organization_id=globex, resource_type_slug="workspace", external_id="w", name="W"
    ).value
    someone = member(app, acme)
    assert app.resources.assign_role(
        CONTEXT, someone, role_slug="org-ws", resource=ws
    ).value.role_slug
    with pytest.raises(Invalid) as top:
        app.resources.assign_role(CONTEXT, someone, role_slug="org-top", resource=ws)
    assert _code(top) == "organization_role_not_assignable"
    outsider = member(app, globex)
    with pytest.raises(Invalid) as foreign:
        app.resources.assign_role(CONTEXT, outsider, role_slug="org-ws", resource=other)
    assert _code(foreign) == "invalid_role"


# ------------------------------------------------------------- deletion --


def test_the_default_role_cannot_be_deleted(app: IdentityApplication) -> None:
    acme = org(app)
    custom_role(app, acme, "org-basic")
    app.role_settings.change_organization_role_settings(
        CONTEXT, acme, default_role_slug="org-basic"
    )
    with pytest.raises(Conflict) as custom:
        app.custom_roles.delete_organization_role(CONTEXT, acme, "org-basic")
    assert _code(custom) == "role_is_default"
    with pytest.raises(Conflict) as environment:
        app.schema.delete_role(CONTEXT, "member")
    assert _code(environment) == "role_is_default"
    env_role(app, "admin")
    app.role_settings.change_organization_role_settings(CONTEXT, acme, default_role_slug="admin")
    with pytest.raises(Conflict) as some_organizations:
        app.schema.delete_role(CONTEXT, "admin")  # acme's default
    assert _code(some_organizations) == "role_is_default"
    app.role_settings.change_organization_role_settings(CONTEXT, acme, default_role_slug="member")
    app.schema.delete_role(CONTEXT, "admin")
    app.custom_roles.delete_organization_role(CONTEXT, acme, "org-basic")
    assert order(app, acme) == ["member"]


def test_a_role_in_use_on_resources_cannot_be_deleted(app: IdentityApplication) -> None:
    acme = org(app)
    custom_role(app, acme, "org-ws", type_slug="workspace")
    env_role(app, "ws-admin", "workspace")
    ws = app.resources.create_resource(
        CONTEXT, organization_id=acme, resource_type_slug="workspace", external_id="w", name="W"
    ).value
    someone = member(app, acme)
    for slug in ("org-ws", "ws-admin"):
        app.resources.assign_role(CONTEXT, someone, role_slug=slug, resource=ws)
    before = len(_events(app))
    with pytest.raises(Conflict) as custom:
        app.custom_roles.delete_organization_role(CONTEXT, acme, "org-ws")
    assert _code(custom) == "role_has_assignments"
    with pytest.raises(Conflict) as environment:
        app.schema.delete_role(CONTEXT, "ws-admin")
    assert _code(environment) == "role_has_assignments"
    assert len(_events(app)) == before
    app.resources.delete_resource(CONTEXT, ws, cascade=True)
    app.custom_roles.delete_organization_role(CONTEXT, acme, "org-ws")
    app.schema.delete_role(CONTEXT, "ws-admin")


def test_holders_of_a_deleted_role_move_to_the_default_in_the_same_commit(
    app: IdentityApplication,
) -> None:
    acme = org(app)
    custom_role(app, acme, "org-temp")
    custom_role(app, acme, "org-keep")
    app.role_settings.change_organization_role_settings(CONTEXT, acme, default_role_slug="org-keep")
    holder = member(app, acme, ["org-temp"])
    other = member(app, acme, ["member"])
    inactive = member(app, acme, ["org-temp"])
    app.memberships.deactivate_membership(CONTEXT, inactive)
    start = app.store.recorder.max_notification_id()

    result = app.custom_roles.delete_organization_role(
        CONTEXT, acme, "org-temp"
    )  # single-role mode: to the default
    assert roles_of(app, holder) == ("org-keep",)
    assert roles_of(app, inactive) == ("org-keep",)
    assert roles_of(app, other) == ("member",)
    recorded = _events(app, start=(start or 0) + 1)
    assert sorted(_names(recorded)) == [
        "OrganizationMembership.RolesChanged",
        "OrganizationMembership.RolesChanged",
        "OrganizationRoles.RoleDeleted",
    ]
    assert result.position == app.store.recorder.max_notification_id()
    for e in recorded:
        assert e.context.organization_id == acme
        assert e.context.request_id == "req_roles"
    moved = [e for e in recorded if "RolesChanged" in type(e).__qualname__]
    assert {e.context.reason for e in moved} == {"Role 'org-temp' was deleted."}


def test_with_multiple_roles_a_deleted_role_is_stripped(app: IdentityApplication) -> None:
    app.role_settings.change_role_settings(CONTEXT, multiple_roles=True)
    env_role(app, "admin")
    env_role(app, "auditor")
    acme, globex = org(app), org(app, "Globex")
    several = member(app, acme, ["admin", "auditor"])
    only = member(app, globex, ["auditor"])
    untouched = member(app, globex, ["admin"])
    app.schema.delete_role(CONTEXT, "auditor")
    assert roles_of(app, several) == ("admin",)
    assert roles_of(app, only) == ("member",)
    assert roles_of(app, untouched) == ("admin",)
    assert "auditor" not in app.store.get_schema().roles


def test_turning_multiple_roles_off_keeps_the_highest_role(app: IdentityApplication) -> None:
    app.role_settings.change_role_settings(CONTEXT, multiple_roles=True)
    env_role(app, "admin")
    env_role(app, "auditor")
    acme, globex = org(app), org(app, "Globex")
    custom_role(app, acme, "org-lead")
    app.role_settings.change_organization_role_settings(
        CONTEXT, acme, priority_order=["org-lead", "auditor", "member", "admin"]
    )
    a = member(app, acme, ["admin", "auditor", "org-lead"])
    b = member(app, acme, ["admin", "member"])
    c = member(app, globex, ["auditor", "admin", "member"])
    d = member(app, globex, ["auditor"])
    app.role_settings.change_role_settings(CONTEXT, multiple_roles=False)
    assert [roles_of(app, m) for m in (a, b, c, d)] == [
        ("org-lead",),
        ("member",),
        ("member",),  # environment order: member, admin, auditor
        ("auditor",),
    ]


def test_deleting_an_organization_deletes_its_custom_roles(app: IdentityApplication) -> None:
    acme = org(app)
    custom_role(app, acme, "org-a")
    custom_role(app, acme, "org-b")
    app.organizations.delete_organization(CONTEXT, acme)
    roles = app.store.get_organization_roles(acme)
    assert roles is not None
    assert roles.roles == {}
    assert _names(app.store.events.get(roles.id))[-2:] == [
        "OrganizationRoles.RoleDeleted",
        "OrganizationRoles.RoleDeleted",
    ]


def test_deleting_a_permission_takes_it_out_of_custom_roles(app: IdentityApplication) -> None:
    acme, globex = org(app), org(app, "Globex")
    for organization in (acme, globex):
        custom_role(app, organization, "org-p", type_slug="workspace")
        app.custom_roles.set_organization_role_permissions(
            CONTEXT, organization, "org-p", ["workspace:edit", "project:view"]
        )
    app.schema.delete_permission(CONTEXT, "project:view")
    for organization in (acme, globex):
        roles = app.store.get_organization_roles(organization)
        assert roles is not None
        assert roles.roles["org-p"].permissions == ("workspace:edit",)
        assert (
            _names(app.store.events.get(roles.id))[-1] == "OrganizationRoles.RolePermissionRemoved"
        )


def test_resource_type_changes_count_custom_roles(app: IdentityApplication) -> None:
    app.schema.create_resource_type(
        CONTEXT, slug="app", name="App", description=None, parent_type_slugs=["project"]
    )
    app.schema.create_permission(
        CONTEXT, slug="app:deploy", name="Deploy", description=None, resource_type_slug="app"
    )
    acme = org(app)
    custom_role(app, acme, "org-apps", type_slug="app")
    custom_role(app, acme, "org-ws", type_slug="workspace")
    app.custom_roles.set_organization_role_permissions(CONTEXT, acme, "org-ws", ["app:deploy"])
    with pytest.raises(Conflict) as scoped:
        app.schema.delete_resource_type(CONTEXT, "app")
    assert _code(scoped) == "resource_type_in_use"
    with pytest.raises(Conflict) as reach:  # org-ws would lose reach of app:deploy
        app.schema.update_resource_type(CONTEXT, "app", parent_type_slugs=["organization"])
    assert _code(reach) == "resource_type_in_use"
    assert app.store.get_schema().parents_of("app") == ("project",)


# ------------------------------------------------------------- events --


def test_every_organization_roles_event_is_public_and_carries_its_organization(
    app: IdentityApplication,
) -> None:
    acme = org(app)
    slug = custom_role(app, acme, "org-all", type_slug="workspace")
    app.custom_roles.update_organization_role(
        CONTEXT, acme, slug, name="All", description="Everything"
    )
    app.custom_roles.set_organization_role_permissions(CONTEXT, acme, slug, ["workspace:edit"])
    app.custom_roles.add_organization_role_permission(CONTEXT, acme, slug, "project:view")
    app.custom_roles.remove_organization_role_permission(CONTEXT, acme, slug, "project:view")
    env_role(app, "later")
    custom_role(app, acme, "org-top")
    app.role_settings.change_organization_role_settings(CONTEXT, acme, default_role_slug="org-top")
    app.role_settings.change_organization_role_settings(
        CONTEXT, acme, priority_order=["later", "org-top", "org-all", "member"]
    )
    app.custom_roles.delete_organization_role(CONTEXT, acme, slug)
    app.role_settings.change_role_settings(CONTEXT, priority_order=["later", "member"])
    app.schema.delete_role(CONTEXT, "later")

    events = _events(app)
    mine = [e for e in events if isinstance(e, OrganizationRoles.Event)]
    assert {e.context.organization_id for e in mine} == {acme}
    produced = {event_type(type(e)) for e in events}
    wanted = {
        name
        for name, cls in EVENT_CLASSES.items()
        if cls.__qualname__.split(".")[0] == "OrganizationRoles"
    }
    assert len(wanted) == 10
    assert wanted <= produced, sorted(wanted - produced)
    assert {
        "authorization_schema.role_deleted",
        "authorization_schema.priority_order_set",
    } <= produced
    schema_events = [e for e in events if isinstance(e, AuthorizationSchema.Event)]
    assert {e.context.organization_id for e in schema_events} == {None}


def test_an_unknown_role_is_refused_naming_the_roles_that_exist(app: IdentityApplication) -> None:
    acme = org(app)
    env_role(app, "ws-admin", type_slug="workspace")
    custom_role(app, acme, "org-own")
    user = app.users.create_user(CONTEXT, email="unknown-role@example.test").value
    with pytest.raises(Invalid) as membership:
        app.memberships.create_membership(
            CONTEXT, user_id=user.id, organization_id=acme, role_slugs=["nobody"]
        )
    assert _code(membership) == "invalid_role"
    # A membership holds organization-level roles only: those are the ones named.
    assert membership.value.message.endswith("it has: member, org-own.")

    someone = app.memberships.create_membership(CONTEXT, user_id=user.id, organization_id=acme)
    workspace = app.resources.create_resource(
        CONTEXT, organization_id=acme, resource_type_slug="workspace", external_id="w", name="W"
    ).value
    with pytest.raises(Invalid) as assignment:
        app.resources.assign_role(CONTEXT, someone.value.id, role_slug="nobody", resource=workspace)
    assert assignment.value.message.endswith("it has: member, ws-admin, org-own.")
