"""Use cases of users. A user's email (lower-cased) and external id are unique."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain import ids
from domain.errors import Conflict
from domain.events import EventContext
from domain.services import claims
from domain.services.cascades import Cascades
from domain.store import Committed, EventStore, retry_on_conflict
from domain.uniqueness import Claim
from domain.users import User


def _email_taken(email: str) -> Conflict:
    return Conflict(f"A user with email '{email}' already exists.", code="email_not_available")


def _external_id_taken(external_id: str) -> Conflict:
    return Conflict(
        f"A user with external id '{external_id}' already exists.",
        code="external_id_already_exists",
    )


@dataclass(frozen=True)
class UserService:
    store: EventStore
    cascades: Cascades

    def _take_email(self, email: str, user_id: str, context: EventContext) -> Claim:
        return self.store.take(claims.USER_EMAIL, email, user_id, context, _email_taken(email))

    def _take_external_id(self, external_id: str, user_id: str, context: EventContext) -> Claim:
        return self.store.take(
            claims.USER_EXTERNAL_ID, external_id, user_id, context, _external_id_taken(external_id)
        )

    @retry_on_conflict
    def create_user(
        self,
        context: EventContext,
        *,
        email: str,
        first_name: str | None = None,
        last_name: str | None = None,
        email_verified: bool = False,
        external_id: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> Committed[User]:
        user_id = ids.new_id(ids.USER)
        email = email.lower()
        taken = [self._take_email(email, user_id, context)]
        if external_id is not None:
            taken.append(self._take_external_id(external_id, user_id, context))
        user = User(
            id=user_id,
            email=email,
            first_name=first_name,
            last_name=last_name,
            email_verified=email_verified,
            external_id=external_id,
            metadata=metadata or {},
            context=context,
        )
        return self.store.commit(user, user, taken)

    @retry_on_conflict
    def update_user(self, context: EventContext, user_id: str, **changes: Any) -> Committed[User]:
        """Only the fields in ``changes`` change; a new email is unverified unless said."""
        user = self.store.get_user(user_id)
        taken: list[Claim] = []
        first = changes.get("first_name", user.first_name)
        last = changes.get("last_name", user.last_name)
        if (first, last) != (user.first_name, user.last_name):
            user.rename(first, last, context)
        if changes.get("email") is not None and changes["email"].lower() != user.email:
            email = changes["email"].lower()
            taken.append(self._take_email(email, user_id, context))
            taken += self.store.release(claims.USER_EMAIL, user.email, user_id, context)
            user.change_email(email, bool(changes.get("email_verified", False)), context)
        elif (
            changes.get("email_verified") is not None
            and changes["email_verified"] != user.email_verified
        ):
            user.change_email_verified(changes["email_verified"], context)
        if "external_id" in changes and changes["external_id"] != user.external_id:
            new = changes["external_id"]
            if new is not None:
                taken.append(self._take_external_id(new, user_id, context))
            taken += self.store.release(claims.USER_EXTERNAL_ID, user.external_id, user_id, context)
            user.change_external_id(new, context)
        if changes.get("metadata") is not None and changes["metadata"] != user.metadata:
            user.change_metadata(changes["metadata"], context)
        return self.store.commit(user, user, taken)

    @retry_on_conflict
    def delete_user(self, context: EventContext, user_id: str) -> Committed[User]:
        """With every membership of the user."""
        user = self.store.get_user(user_id)
        removed = self.cascades.memberships(context, user_id=user_id)
        released = self.store.release(claims.USER_EMAIL, user.email, user_id, context)
        released += self.store.release(claims.USER_EXTERNAL_ID, user.external_id, user_id, context)
        user.delete(context)
        return self.store.commit(user, user, released, removed)
