"""User bodies, as the WorkOS User Management API has them.

idgov is not a credential store: a body that carries a password (``password``,
``password_hash``, ``password_hash_type``, ``password_salt_position``) is refused with
422 ``password_not_supported`` rather than accepted and dropped. ``name`` and ``locale``
have no place in idgov's user yet and are refused the same way (``field_not_supported``)
unless null. Radar's request signals (``ip_address``, ``user_agent``, ``signals_id``)
describe the request, not the user; they are accepted and not stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from api.models.common import Public, RequestBody
from domain.users import User

# WorkOS trims and lowercases the address before storing it.
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]
PersonName = Field(default=None, max_length=255)
ExternalId = Field(default=None, min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")
Metadata = dict[
    Annotated[str, StringConstraints(min_length=1, max_length=40)],
    Annotated[str, StringConstraints(max_length=600)],
]
PASSWORD_FIELDS = ("password", "password_hash", "password_hash_type", "password_salt_position")


NOT_STORED = "Not supported by idgov: refused with 422 unless null."
NO_CREDENTIALS = "Not supported: idgov stores no credentials; refused with 422 unless null."


class _UserBody(RequestBody):
    name: str | None = Field(default=None, description=NOT_STORED)
    password: str | None = Field(default=None, description=NO_CREDENTIALS)
    password_hash: str | None = Field(default=None, description=NO_CREDENTIALS)
    password_hash_type: str | None = Field(default=None, description=NO_CREDENTIALS)
    password_salt_position: str | None = Field(default=None, description=NO_CREDENTIALS)

    @field_validator(*PASSWORD_FIELDS)
    @classmethod
    def _no_passwords(cls, value: str | None) -> None:
        if value is not None:
            raise PydanticCustomError(
                "password_not_supported",
                "idgov does not store credentials; authenticate users with your identity provider.",
            )

    @field_validator("name", "locale", check_fields=False)
    @classmethod
    def _not_supported(cls, value: str | None) -> None:
        if value is not None:
            raise PydanticCustomError("field_not_supported", "idgov does not keep this field.")


class UserCreate(_UserBody):
    email: Email
    first_name: str | None = PersonName
    last_name: str | None = PersonName
    email_verified: bool | None = None
    metadata: Metadata | None = Field(default=None, max_length=50)
    external_id: str | None = ExternalId
    ip_address: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=1024)
    signals_id: str | None = Field(default=None, max_length=255)


class UserUpdate(_UserBody):
    email: Email | None = None
    first_name: str | None = PersonName
    last_name: str | None = PersonName
    email_verified: bool | None = None
    metadata: Metadata | None = Field(default=None, max_length=50)
    external_id: str | None = ExternalId
    locale: str | None = Field(default=None, description=NOT_STORED)

    def changes(self) -> dict[str, Any]:
        """The fields sent, as the ``update_user`` use case takes them."""
        stored = {"email", "first_name", "last_name", "email_verified", "metadata", "external_id"}
        return self.model_dump(include=self.model_fields_set & stored)


class UserPublic(Public):
    object: Literal["user"] = "user"
    id: str
    email: str
    first_name: str | None
    last_name: str | None
    name: None = None
    email_verified: bool
    profile_picture_url: None = None
    last_sign_in_at: None = None
    locale: None = None
    external_id: str | None
    metadata: dict[str, str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_aggregate(cls, user: User) -> Self:
        """Commands answer from the write side, without waiting for the read model."""
        return cls(
            id=user.id,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            email_verified=user.email_verified,
            external_id=user.external_id,
            metadata=user.metadata,
            created_at=user.created_on,
            updated_at=user.modified_on,
        )
