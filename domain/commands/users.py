"""Use cases of users."""

from __future__ import annotations

from typing import Any

from domain import ids
from domain.commands.base import Commands, Committed, retry_on_conflict
from domain.errors import Conflict
from domain.events import EventContext
from domain.uniqueness import Claim
from domain.users import User


class UserCommands(Commands):
    @staticmethod
    def _email_taken(email: str) -> Conflict:
        return Conflict(f"A user with email '{email}' already exists.", code="email_not_available")

    @staticmethod
    def _user_external_id_taken(external_id: str) -> Conflict:
        return Conflict(
            f"A user with external id '{external_id}' already exists.",
            code="external_id_already_exists",
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
        claims = [self._take("user_email", email, user_id, context, self._email_taken(email))]
        if external_id is not None:
            claims.append(
                self._take(
                    "user_external_id",
                    external_id,
                    user_id,
                    context,
                    self._user_external_id_taken(external_id),
                )
            )
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
        return self._commit(user, user, claims)

    @retry_on_conflict
    def update_user(self, context: EventContext, user_id: str, **changes: Any) -> Committed[User]:
        user = self.get_user(user_id)
        claims: list[Claim] = []
        first = changes.get("first_name", user.first_name)
        last = changes.get("last_name", user.last_name)
        if (first, last) != (user.first_name, user.last_name):
            user.rename(first, last, context)
        if changes.get("email") is not None and changes["email"].lower() != user.email:
            email = changes["email"].lower()
            claims.append(
                self._take("user_email", email, user_id, context, self._email_taken(email))
            )
            claims += self._release("user_email", user.email, user_id, context)
            user.change_email(email, bool(changes.get("email_verified", False)), context)
        elif (
            changes.get("email_verified") is not None
            and changes["email_verified"] != user.email_verified
        ):
            user.change_email_verified(changes["email_verified"], context)
        if "external_id" in changes and changes["external_id"] != user.external_id:
            new = changes["external_id"]
            if new is not None:
                claims.append(
                    self._take(
                        "user_external_id", new, user_id, context, self._user_external_id_taken(new)
                    )
                )
            claims += self._release("user_external_id", user.external_id, user_id, context)
            user.change_external_id(new, context)
        if changes.get("metadata") is not None and changes["metadata"] != user.metadata:
            user.change_metadata(changes["metadata"], context)
        return self._commit(user, user, claims)

    @retry_on_conflict
    def delete_user(self, context: EventContext, user_id: str) -> Committed[User]:
        user = self.get_user(user_id)
        removed = self._delete_memberships(context, user_id=user_id)
        claims = self._release("user_email", user.email, user_id, context)
        claims += self._release("user_external_id", user.external_id, user_id, context)
        user.delete(context)
        return self._commit(user, user, claims, removed)
