"""The environment's first start seeds ``admin`` above ``member``, as WorkOS environments
start; an environment created before gets ``admin`` once, on its next start."""

from __future__ import annotations

from domain import api_keys
from domain.application import IdentityApplication
from domain.environment import Environment
from domain.events import Actor, EventContext
from domain.store import new_schema
from tests.unit.log_index import in_memory_app

CONTEXT = EventContext(actor=Actor(type="system", id="tests"), source="system")


def _roles(app: IdentityApplication) -> list[str]:
    return list(app.store.get_schema().roles)  # highest priority first


def _created_before_admin_was_seeded() -> IdentityApplication:
    """An environment as its first start left it before ``admin`` was seeded."""
    app = in_memory_app()
    key, claim = app.api_keys.new_key(CONTEXT, name="admin", secret=api_keys.new_secret())
    environment = Environment(admin_api_key_id=key.id, context=CONTEXT)
    app.store.save(key, claim, environment, new_schema(CONTEXT))
    return app


def test_a_new_environment_has_admin_above_the_default_member() -> None:
    app = in_memory_app()
    app.environment.initialize_environment(CONTEXT)
    schema = app.store.get_schema()
    assert _roles(app) == ["admin", "member"]
    assert schema.default_role_slug == "member"
    assert schema.roles["admin"].resource_type_slug == "organization"
    assert schema.roles["admin"].permissions == ()
    org = app.organizations.create_organization(CONTEXT, name="Acme", external_id=None).value
    user = app.users.create_user(CONTEXT, email="ada@example.com").value
    membership = app.memberships.create_membership(
        CONTEXT, user_id=user.id, organization_id=org.id, role_slugs=["admin"]
    ).value
    assert membership.role_slugs == ("admin",)


def test_an_earlier_environment_gets_admin_once_and_keeps_it_deleted() -> None:
    app = _created_before_admin_was_seeded()
    assert _roles(app) == ["member"]
    app.environment.initialize_environment(CONTEXT)
    assert _roles(app) == ["admin", "member"]

    app.schema.delete_role(CONTEXT, "admin")
    app.environment.initialize_environment(CONTEXT)
    assert _roles(app) == ["member"]


def test_an_admin_role_the_environment_made_itself_is_kept_as_it_is() -> None:
    app = _created_before_admin_was_seeded()
    app.schema.create_role(
        CONTEXT, slug="admin", name="Owners", description=None, resource_type_slug=None
    )
    app.environment.initialize_environment(CONTEXT)
    assert _roles(app) == ["member", "admin"]
    assert app.store.get_schema().roles["admin"].name == "Owners"
