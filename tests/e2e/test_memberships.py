"""Organization memberships through the official WorkOS SDK."""

from __future__ import annotations

from typing import Any

import pytest
from workos import WorkOSClient
from workos._errors import BadRequestError, ConflictError, NotFoundError
from workos.organization_membership import RoleMultiple, RoleSingle

from tests.e2e.paging import assert_pages_cover
from tests.e2e.support import unique
from tests.servers import Server

ALL_STATUSES = ["active", "inactive", "pending"]
ROLES = ["admin", "billing-admin", "viewer_2", "viewer", "editor", "auditor"]


@pytest.fixture(scope="module", autouse=True)
def roles(workos: WorkOSClient, server: Server) -> None:
    """The roles these tests give, and several roles per membership allowed."""
    for slug in ROLES[1:]:  # admin is seeded
        workos.authorization.create_environment_role(slug=slug, name=slug.title())
    with server.client() as http:
        enabled = http.patch("/authorization/role_settings", json={"multiple_roles": True})
        assert enabled.status_code == 200, enabled.text


@pytest.fixture
def organization(workos: WorkOSClient) -> Any:
    return workos.organizations.create_organization(name=unique("org"))


@pytest.fixture
def user(workos: WorkOSClient) -> Any:
    return workos.user_management.create_user(
        email=f"{unique('member')}@example.com", first_name="Grace"
    )


def listed(workos: WorkOSClient, **filters: Any) -> list[str]:
    page = workos.organization_membership.list_organization_memberships(
        order="asc", limit=100, **filters
    )
    return [m.id for m in page.data]


def test_create_with_the_default_role_and_get(
    workos: WorkOSClient, organization: Any, user: Any
) -> None:
    created = workos.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=organization.id
    )
    assert created.id.startswith("om_")
    assert (created.user_id, created.organization_id) == (user.id, organization.id)
    assert created.organization_name == organization.name
    assert created.status == "active"
    assert created.role.slug == "member"
    assert [r.slug for r in created.roles] == ["member"]
    assert created.directory_managed is False
    assert created.custom_attributes == {}
    assert created.user.to_dict() == workos.user_management.get_user(user.id).to_dict()

    fetched = workos.organization_membership.get_organization_membership(created.id)
    assert fetched.to_dict() == created.to_dict()


def test_create_with_one_role_or_several(workos: WorkOSClient, organization: Any) -> None:
    first, second = (
        workos.user_management.create_user(email=f"{unique('m')}@example.com") for _ in range(2)
    )
    single = workos.organization_membership.create_organization_membership(
        user_id=first.id, organization_id=organization.id, role=RoleSingle(role_slug="admin")
    )
    assert (single.role.slug, [r.slug for r in single.roles]) == ("admin", ["admin"])
    several = workos.organization_membership.create_organization_membership(
        user_id=second.id,
        organization_id=organization.id,
        role=RoleMultiple(role_slugs=["billing-admin", "viewer_2"]),
    )
    assert several.role.slug == "billing-admin"  # the first role is the primary one
    assert [r.slug for r in several.roles] == ["billing-admin", "viewer_2"]
    fetched = workos.organization_membership.get_organization_membership(several.id)
    assert [r.slug for r in fetched.roles] == ["billing-admin", "viewer_2"]


def test_an_active_pair_cannot_be_added_twice(
    workos: WorkOSClient, organization: Any, user: Any
) -> None:
    workos.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=organization.id
    )
    with pytest.raises(ConflictError) as error:
        workos.organization_membership.create_organization_membership(
            user_id=user.id, organization_id=organization.id, role=RoleSingle(role_slug="admin")
        )
    assert error.value.code == "organization_membership_already_exists"
    assert len(listed(workos, user_id=user.id, statuses=ALL_STATUSES)) == 1


def test_list_by_organization_user_or_both(workos: WorkOSClient) -> None:
    orgs = [workos.organizations.create_organization(name=unique("org")) for _ in range(2)]
    users = [
        workos.user_management.create_user(email=f"{unique('m')}@example.com") for _ in range(2)
    ]
    ids = {
        (u.id, o.id): workos.organization_membership.create_organization_membership(
            user_id=u.id, organization_id=o.id
        ).id
        for o in orgs
        for u in users
    }
    assert listed(workos, organization_id=orgs[0].id) == [ids[(u.id, orgs[0].id)] for u in users]
    assert listed(workos, user_id=users[1].id) == [ids[(users[1].id, o.id)] for o in orgs]
    both = listed(workos, user_id=users[0].id, organization_id=orgs[1].id)
    assert both == [ids[(users[0].id, orgs[1].id)]]
    assert listed(workos, organization_id="org_unknown") == []

    with pytest.raises(BadRequestError) as error:
        workos.organization_membership.list_organization_memberships()
    assert error.value.code == "missing_user_id_or_organization_id"


def test_list_pages_through_every_order(workos: WorkOSClient, organization: Any) -> None:
    ids = set()
    for _ in range(7):
        member = workos.user_management.create_user(email=f"{unique('m')}@example.com")
        ids.add(
            workos.organization_membership.create_organization_membership(
                user_id=member.id, organization_id=organization.id
            ).id
        )

    def fetch(**kwargs: object) -> object:
        return workos.organization_membership.list_organization_memberships(
            organization_id=organization.id, **kwargs
        )

    assert_pages_cover(fetch, ids)


def test_update_roles(workos: WorkOSClient, organization: Any, user: Any) -> None:
    membership = workos.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=organization.id
    )
    one = workos.organization_membership.update_organization_membership(
        membership.id, role=RoleSingle(role_slug="admin")
    )
    assert [r.slug for r in one.roles] == ["admin"]
    assert one.updated_at > membership.updated_at
    many = workos.organization_membership.update_organization_membership(
        membership.id, role=RoleMultiple(role_slugs=["viewer", "editor"])
    )
    assert (many.role.slug, [r.slug for r in many.roles]) == ("viewer", ["viewer", "editor"])
    unchanged = workos.organization_membership.update_organization_membership(membership.id)
    assert unchanged.to_dict() == many.to_dict()
    fetched = workos.organization_membership.get_organization_membership(membership.id)
    assert fetched.to_dict() == many.to_dict()


def test_deactivate_and_reactivate(workos: WorkOSClient, organization: Any, user: Any) -> None:
    membership = workos.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=organization.id, role=RoleSingle(role_slug="admin")
    )
    service = workos.organization_membership

    inactive = service.deactivate_organization_membership(membership.id)
    assert inactive.status == "inactive"
    assert service.get_organization_membership(membership.id).status == "inactive"
    # Only active memberships are listed unless asked otherwise.
    assert listed(workos, organization_id=organization.id) == []
    assert listed(workos, organization_id=organization.id, statuses=["inactive"]) == [membership.id]
    assert listed(workos, user_id=user.id, statuses=["active", "inactive"]) == [membership.id]
    assert listed(workos, user_id=user.id, statuses=["pending"]) == []
    # Deactivating again changes nothing.
    again = service.deactivate_organization_membership(membership.id)
    assert again.to_dict() == inactive.to_dict()

    active = service.reactivate_organization_membership(membership.id)
    assert active.status == "active"
    assert [r.slug for r in active.roles] == ["admin"]  # the previous roles come back
    assert listed(workos, organization_id=organization.id) == [membership.id]
    assert service.reactivate_organization_membership(membership.id).to_dict() == active.to_dict()


def test_creating_an_inactive_pair_reactivates_it(
    workos: WorkOSClient, organization: Any, user: Any
) -> None:
    membership = workos.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=organization.id, role=RoleSingle(role_slug="admin")
    )
    workos.organization_membership.deactivate_organization_membership(membership.id)

    again = workos.organization_membership.create_organization_membership(
        user_id=user.id,
        organization_id=organization.id,
        role=RoleMultiple(role_slugs=["viewer", "auditor"]),
    )
    assert again.id == membership.id
    assert again.status == "active"
    assert [r.slug for r in again.roles] == ["viewer", "auditor"]
    assert listed(workos, user_id=user.id, statuses=ALL_STATUSES) == [membership.id]


def test_statuses_may_be_comma_separated_or_repeated(
    server: Server, workos: WorkOSClient, organization: Any
) -> None:
    members = [
        workos.user_management.create_user(email=f"{unique('m')}@example.com") for _ in range(2)
    ]
    active, inactive = (
        workos.organization_membership.create_organization_membership(
            user_id=m.id, organization_id=organization.id
        ).id
        for m in members
    )
    workos.organization_membership.deactivate_organization_membership(inactive)
    path = "/user_management/organization_memberships"
    with server.client() as client:
        for query in (
            [("statuses", "active,inactive")],
            [("statuses", "active"), ("statuses", "inactive")],
        ):
            response = client.get(path, params=[("organization_id", organization.id), *query])
            assert response.status_code == 200
            assert {m["id"] for m in response.json()["data"]} == {active, inactive}
        response = client.get(path, params={"organization_id": organization.id})
        assert [m["id"] for m in response.json()["data"]] == [active]


def test_delete(workos: WorkOSClient, organization: Any, user: Any) -> None:
    membership = workos.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=organization.id
    )
    workos.organization_membership.delete_organization_membership(membership.id)

    with pytest.raises(NotFoundError):
        workos.organization_membership.get_organization_membership(membership.id)
    assert listed(workos, organization_id=organization.id, statuses=ALL_STATUSES) == []
    with pytest.raises(NotFoundError):
        workos.organization_membership.delete_organization_membership(membership.id)
    with pytest.raises(NotFoundError):
        workos.organization_membership.deactivate_organization_membership(membership.id)
    # The pair may join again, as a new membership.
    again = workos.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=organization.id
    )
    assert again.id != membership.id
    # The user and the organization are untouched.
    assert workos.user_management.get_user(user.id).id == user.id
    assert workos.organizations.get_organization(organization.id).id == organization.id
