"""Organizations through the official WorkOS SDK."""

from __future__ import annotations

import pytest
from workos import WorkOSClient
from workos._errors import ConflictError, NotFoundError
from workos.organizations.models import OrganizationDomainData

from tests.e2e.paging import assert_pages_cover
from tests.e2e.support import unique


def test_create_get_and_get_by_external_id(workos: WorkOSClient) -> None:
    external_id = unique("ext")
    domain = f"{unique('acme')}.example.com"
    created = workos.organizations.create_organization(
        name="Acme",
        domain_data=[OrganizationDomainData(domain=domain, state="verified")],
        metadata={"tier": "gold"},
        external_id=external_id,
    )
    assert created.id.startswith("org_")
    assert (created.name, created.external_id, created.metadata) == (
        "Acme",
        external_id,
        {"tier": "gold"},
    )
    assert [(d.domain, d.state) for d in created.domains] == [(domain, "verified")]
    assert created.allow_profiles_outside_organization is False

    fetched = workos.organizations.get_organization(created.id)
    assert fetched.to_dict() == created.to_dict()
    assert workos.organizations.get_organization_by_external_id(external_id).id == created.id


def test_list_filters_by_domain_and_search(workos: WorkOSClient) -> None:
    word = unique("needle")
    domain = f"{word}.example.org"
    with_domain = workos.organizations.create_organization(name=f"{word} one", domains=[domain])
    other = workos.organizations.create_organization(name=f"{word} two")

    by_domain = workos.organizations.list_organizations(domains=[domain.upper()])
    assert [o.id for o in by_domain.data] == [with_domain.id]
    assert by_domain.data[0].domains[0].state == "pending"
    found = workos.organizations.list_organizations(search=word, order="asc")
    assert [o.id for o in found.data] == [with_domain.id, other.id]


def test_list_pages_through_every_order(workos: WorkOSClient) -> None:
    word = unique("paged")
    ids = {workos.organizations.create_organization(name=f"{word} {n}").id for n in range(8)}

    def fetch(**kwargs: object) -> object:
        return workos.organizations.list_organizations(search=word, **kwargs)

    assert_pages_cover(fetch, ids)


def test_update(workos: WorkOSClient) -> None:
    organization = workos.organizations.create_organization(
        name="Before", external_id=unique("ext"), metadata={"a": "1"}
    )
    new_external_id = unique("ext")
    updated = workos.organizations.update_organization(
        organization.id,
        name="After",
        external_id=new_external_id,
        metadata={"b": "2"},
        domain_data=[
            OrganizationDomainData(domain=f"{unique('new')}.example.net", state="pending")
        ],
        allow_profiles_outside_organization=True,
    )
    assert (updated.name, updated.external_id, updated.metadata) == (
        "After",
        new_external_id,
        {"b": "2"},
    )
    assert updated.allow_profiles_outside_organization is True
    assert len(updated.domains) == 1
    assert updated.updated_at > organization.updated_at
    assert workos.organizations.get_organization(organization.id).to_dict() == updated.to_dict()

    # The old external id is free again, the new one is taken.
    with pytest.raises(NotFoundError):
        workos.organizations.get_organization_by_external_id(organization.external_id)
    workos.organizations.create_organization(name="Reuser", external_id=organization.external_id)
    with pytest.raises(ConflictError) as error:
        workos.organizations.create_organization(name="Clash", external_id=new_external_id)
    assert error.value.code == "external_id_already_exists"


def test_update_can_clear_the_external_id(workos: WorkOSClient) -> None:
    organization = workos.organizations.create_organization(name="Clear", external_id=unique("ext"))
    updated = workos.organizations.update_organization(organization.id, external_id=None)
    assert updated.external_id is None
    assert workos.organizations.get_organization(organization.id).external_id is None


def test_delete_removes_the_organization_and_its_memberships(workos: WorkOSClient) -> None:
    organization = workos.organizations.create_organization(
        name="Doomed", external_id=unique("ext")
    )
    keeper = workos.organizations.create_organization(name="Keeper")
    user = workos.user_management.create_user(email=f"{unique('member')}@example.com")
    doomed = workos.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=organization.id
    )
    kept = workos.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=keeper.id
    )

    workos.organizations.delete_organization(organization.id)

    with pytest.raises(NotFoundError):
        workos.organizations.get_organization(organization.id)
    with pytest.raises(NotFoundError):
        workos.organizations.get_organization_by_external_id(organization.external_id)
    with pytest.raises(NotFoundError):
        workos.organization_membership.get_organization_membership(doomed.id)
    remaining = workos.organization_membership.list_organization_memberships(
        user_id=user.id, statuses=["active", "inactive", "pending"]
    )
    assert [m.id for m in remaining.data] == [kept.id]
    with pytest.raises(NotFoundError):
        workos.organizations.delete_organization(organization.id)
