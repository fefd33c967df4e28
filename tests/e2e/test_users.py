"""Users through the official WorkOS SDK."""

from __future__ import annotations

import pytest
from workos import WorkOSClient
from workos._errors import ConflictError, NotFoundError, UnprocessableEntityError
from workos.user_management import PasswordHashed, PasswordPlaintext

from tests.e2e.paging import assert_pages_cover
from tests.e2e.support import unique


def email() -> str:
    return f"{unique('person')}@example.com"


def test_create_get_and_get_by_external_id(workos: WorkOSClient) -> None:
    external_id = unique("ext")
    address = email()
    created = workos.user_management.create_user(
        email=f"  {address.upper()} ",
        first_name="Ada",
        last_name="Lovelace",
        email_verified=True,
        external_id=external_id,
        metadata={"team": "engines"},
    )
    assert created.id.startswith("user_")
    assert created.email == address  # trimmed and lowercased, as WorkOS stores it
    assert (created.first_name, created.last_name) == ("Ada", "Lovelace")
    assert created.email_verified is True
    assert (created.external_id, created.metadata) == (external_id, {"team": "engines"})
    assert (created.profile_picture_url, created.last_sign_in_at, created.locale) == (
        None,
        None,
        None,
    )

    fetched = workos.user_management.get_user(created.id)
    assert fetched.to_dict() == created.to_dict()
    assert workos.user_management.get_user_by_external_id(external_id).id == created.id


def test_create_with_defaults(workos: WorkOSClient) -> None:
    created = workos.user_management.create_user(email=email())
    assert (created.first_name, created.last_name, created.external_id) == (None, None, None)
    assert created.email_verified is False
    assert created.metadata == {}


def test_list_filters_by_email_and_organization(workos: WorkOSClient) -> None:
    organization = workos.organizations.create_organization(name=unique("org"))
    members = [workos.user_management.create_user(email=email()) for _ in range(2)]
    outsider = workos.user_management.create_user(email=email())
    for user in members:
        workos.organization_membership.create_organization_membership(
            user_id=user.id, organization_id=organization.id
        )

    by_email = workos.user_management.list_users(email=outsider.email.upper())
    assert [u.id for u in by_email.data] == [outsider.id]
    in_org = workos.user_management.list_users(organization_id=organization.id, order="asc")
    assert [u.id for u in in_org.data] == [u.id for u in members]
    deprecated = workos.user_management.list_users(organization=organization.id, order="asc")
    assert [u.id for u in deprecated.data] == [u.id for u in members]
    everyone = [u.id for u in workos.user_management.list_users(limit=100).auto_paging_iter()]
    assert {outsider.id, *(u.id for u in members)} <= set(everyone)


def test_list_pages_through_every_order(workos: WorkOSClient) -> None:
    organization = workos.organizations.create_organization(name=unique("paged"))
    ids = set()
    for _ in range(7):
        user = workos.user_management.create_user(email=email())
        workos.organization_membership.create_organization_membership(
            user_id=user.id, organization_id=organization.id
        )
        ids.add(user.id)

    def fetch(**kwargs: object) -> object:
        return workos.user_management.list_users(organization_id=organization.id, **kwargs)

    assert_pages_cover(fetch, ids)


def test_update(workos: WorkOSClient) -> None:
    user = workos.user_management.create_user(
        email=email(), first_name="Old", email_verified=True, external_id=unique("ext")
    )
    new_email = email()
    new_external_id = unique("ext")
    updated = workos.user_management.update_user(
        user.id,
        first_name="New",
        last_name="Name",
        email=new_email,
        external_id=new_external_id,
        metadata={"k": "v"},
    )
    assert (updated.first_name, updated.last_name) == ("New", "Name")
    assert updated.email == new_email
    assert updated.email_verified is False  # a new address is not verified yet
    assert (updated.external_id, updated.metadata) == (new_external_id, {"k": "v"})
    assert updated.updated_at > user.updated_at
    assert workos.user_management.get_user(user.id).to_dict() == updated.to_dict()

    verified = workos.user_management.update_user(user.id, email_verified=True)
    assert verified.email_verified is True
    assert verified.first_name == "New"  # omitted fields stay as they are

    cleared = workos.user_management.update_user(user.id, external_id=None)
    assert cleared.external_id is None
    with pytest.raises(NotFoundError):
        workos.user_management.get_user_by_external_id(new_external_id)
    # The old address is free again.
    assert workos.user_management.create_user(email=user.email).email == user.email


def test_duplicate_email_and_external_id_conflict(workos: WorkOSClient) -> None:
    user = workos.user_management.create_user(email=email(), external_id=unique("ext"))
    with pytest.raises(ConflictError) as error:
        workos.user_management.create_user(email=user.email.upper())
    assert error.value.code == "email_not_available"
    with pytest.raises(ConflictError) as error:
        workos.user_management.create_user(email=email(), external_id=user.external_id)
    assert error.value.code == "external_id_already_exists"
    other = workos.user_management.create_user(email=email())
    with pytest.raises(ConflictError) as error:
        workos.user_management.update_user(other.id, email=user.email)
    assert error.value.code == "email_not_available"


@pytest.mark.parametrize(
    "password",
    [
        PasswordPlaintext(password="hunter2"),
        PasswordHashed(password_hash="$2b$10$x", password_hash_type="bcrypt"),
    ],
    ids=["plaintext", "hashed"],
)
def test_passwords_are_refused(workos: WorkOSClient, password: object) -> None:
    address = email()
    with pytest.raises(UnprocessableEntityError) as error:
        workos.user_management.create_user(email=address, password=password)  # type: ignore[arg-type]
    fields = {e["field"]: e["code"] for e in error.value.errors}
    assert set(fields.values()) == {"password_not_supported"}
    assert "password" in fields or "password_hash" in fields
    assert workos.user_management.list_users(email=address).data == []

    user = workos.user_management.create_user(email=address)
    with pytest.raises(UnprocessableEntityError) as error:
        workos.user_management.update_user(user.id, password=password)  # type: ignore[arg-type]
    assert {e["code"] for e in error.value.errors} == {"password_not_supported"}


def test_fields_idgov_does_not_keep_are_refused(workos: WorkOSClient) -> None:
    with pytest.raises(UnprocessableEntityError) as error:
        workos.user_management.create_user(email=email(), name="Ada Lovelace")
    assert error.value.errors == [{"field": "name", "code": "field_not_supported"}]
    user = workos.user_management.create_user(
        email=email(), ip_address="203.0.113.7", user_agent="t"
    )
    with pytest.raises(UnprocessableEntityError) as error:
        workos.user_management.update_user(user.id, locale="fr-FR")
    assert error.value.errors == [{"field": "locale", "code": "field_not_supported"}]


def test_delete_removes_the_user_and_its_memberships(workos: WorkOSClient) -> None:
    organization = workos.organizations.create_organization(name=unique("org"))
    user = workos.user_management.create_user(email=email(), external_id=unique("ext"))
    stayer = workos.user_management.create_user(email=email())
    gone = workos.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=organization.id
    )
    workos.organization_membership.deactivate_organization_membership(gone.id)
    kept = workos.organization_membership.create_organization_membership(
        user_id=stayer.id, organization_id=organization.id
    )

    workos.user_management.delete_user(user.id)

    with pytest.raises(NotFoundError):
        workos.user_management.get_user(user.id)
    with pytest.raises(NotFoundError):
        workos.user_management.get_user_by_external_id(user.external_id)
    with pytest.raises(NotFoundError):
        workos.organization_membership.get_organization_membership(gone.id)
    remaining = workos.organization_membership.list_organization_memberships(
        organization_id=organization.id, statuses=["active", "inactive"]
    )
    assert [m.id for m in remaining.data] == [kept.id]
    with pytest.raises(NotFoundError):
        workos.user_management.delete_user(user.id)
    # Its email and external id can be used again.
    again = workos.user_management.create_user(email=user.email, external_id=user.external_id)
    assert again.id != user.id
