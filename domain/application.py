"""The command API: one method per use case, each load -> decide -> save.

Every method takes the ``EventContext`` of the request and returns ``Committed``:
the resulting aggregate and the event-store position of its last event, which the
API hands back as the consistency token. Optimistic-concurrency conflicts are retried
a few times (the use case reloads and decides again) before surfacing as 409.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, Protocol, TypeVar

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Mapper

from domain import api_keys, ids
from domain.api_keys import ApiKey
from domain.errors import Conflict, NotFound, Rejected
from domain.environment import ENVIRONMENT_ID, Environment
from domain.events import EventContext, IdgovAggregate
from domain.memberships import OrganizationMembership
from domain.organizations import Organization, OrganizationDomain
from domain.serialization import PydanticMapper
from domain.uniqueness import Claim, claim_id
from domain.users import User

T = TypeVar("T")
P = ParamSpec("P")
A = TypeVar("A", bound=IdgovAggregate)

DEFAULT_ROLE = "member"
MAX_ATTEMPTS = 4


@dataclass(frozen=True)
class Committed(Generic[T]):
    value: T
    position: int | None  # None when the command changed nothing


class MembershipIndex(Protocol):
    """Answers from the read side which memberships a cascade must remove."""

    def membership_ids(self, *, organization_id: str | None = None, user_id: str | None = None) -> list[str]: ...


def retry_on_conflict(method: Callable[P, T]) -> Callable[P, T]:
    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        for _ in range(MAX_ATTEMPTS - 1):
            try:
                return method(*args, **kwargs)
            except IntegrityError:
                continue
        try:
            return method(*args, **kwargs)
        except IntegrityError as error:
            raise Conflict(
                "The entity was changed concurrently; retry the request.",
                code="concurrent_modification",
            ) from error

    return wrapper


class IdentityApplication(Application[str]):
    name = "idgov"
    membership_index: MembershipIndex | None = None

    def construct_mapper(self) -> Mapper[str]:
        return PydanticMapper(transcoder=self.construct_transcoder())

    # Loading ----------------------------------------------------------------

    def _load(self, cls: type[A], aggregate_id: str, label: str) -> A:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{label} not found: '{aggregate_id}'.") from None
        if not isinstance(aggregate, cls) or getattr(aggregate, "deleted", False):
            raise NotFound(f"{label} not found: '{aggregate_id}'.")
        return aggregate

    def get_organization(self, organization_id: str) -> Organization:
        return self._load(Organization, organization_id, "Organization")

    def get_user(self, user_id: str) -> User:
        return self._load(User, user_id, "User")

    def get_membership(self, membership_id: str) -> OrganizationMembership:
        return self._load(OrganizationMembership, membership_id, "Organization membership")

    def _claim(self, kind: str, value: str) -> Claim | None:
        try:
            claim = self.repository.get(claim_id(kind, value))
        except AggregateNotFoundError:
            return None
        assert isinstance(claim, Claim)
        return claim

    def _take(self, kind: str, value: str, owner_id: str, context: EventContext, conflict: Conflict) -> Claim:
        claim = self._claim(kind, value)
        if claim is None:
            return Claim(kind=kind, value=value, owner_id=owner_id, context=context)
        if claim.is_held and claim.owner_id != owner_id:
            raise conflict
        if not claim.is_held:
            claim.take(owner_id, context)
        return claim

    def _release(self, kind: str, value: str | None, owner_id: str, context: EventContext) -> list[Claim]:
        claim = self._claim(kind, value) if value is not None else None
        if claim is None or claim.owner_id != owner_id:
            return []
        claim.release(context)
        return [claim]

    def _commit(self, value: T, *aggregates: IdgovAggregate | Iterable[IdgovAggregate]) -> Committed[T]:
        flat: list[IdgovAggregate] = []
        for item in aggregates:
            flat.extend([item] if isinstance(item, IdgovAggregate) else item)
        recordings = self.save(*flat)
        position = max((r.notification.id for r in recordings), default=None)
        return Committed(value, position)

    # Organizations ----------------------------------------------------------

    @staticmethod
    def _external_id_taken(external_id: str) -> Conflict:
        return Conflict(
            f"An organization with external id '{external_id}' already exists.",
            code="external_id_already_exists",
        )

    @retry_on_conflict
    def create_organization(
        self,
        context: EventContext,
        *,
        name: str,
        external_id: str | None = None,
        metadata: dict[str, str] | None = None,
        domains: Sequence[tuple[str, str]] = (),
        stripe_customer_id: str | None = None,
        allow_profiles_outside_organization: bool = False,
    ) -> Committed[Organization]:
        organization_id = ids.new_id(ids.ORGANIZATION)
        context = context.for_organization(organization_id)
        claims = []
        if external_id is not None:
            claims.append(
                self._take("org_external_id", external_id, organization_id, context, self._external_id_taken(external_id))
            )
        organization = Organization(
            id=organization_id,
            name=name,
            external_id=external_id,
            metadata=metadata or {},
            domains=_domains(domains, ()),
            stripe_customer_id=stripe_customer_id,
            allow_profiles_outside_organization=allow_profiles_outside_organization,
            context=context,
        )
        return self._commit(organization, organization, claims)

    @retry_on_conflict
    def update_organization(self, context: EventContext, organization_id: str, **changes: Any) -> Committed[Organization]:
        organization = self.get_organization(organization_id)
        context = context.for_organization(organization_id)
        claims: list[Claim] = []
        if "name" in changes and changes["name"] != organization.name:
            organization.rename(changes["name"], context)
        if "external_id" in changes and changes["external_id"] != organization.external_id:
            new = changes["external_id"]
            if new is not None:
                claims.append(self._take("org_external_id", new, organization_id, context, self._external_id_taken(new)))
            claims += self._release("org_external_id", organization.external_id, organization_id, context)
            organization.change_external_id(new, context)
        if "metadata" in changes and changes["metadata"] is not None and changes["metadata"] != organization.metadata:
            organization.change_metadata(changes["metadata"], context)
        if "domains" in changes and changes["domains"] is not None:
            domains = _domains(changes["domains"], organization.domains)
            if domains != organization.domains:
                organization.change_domains(domains, context)
        if "stripe_customer_id" in changes and changes["stripe_customer_id"] != organization.stripe_customer_id:
            organization.change_stripe_customer_id(changes["stripe_customer_id"], context)
        allow = changes.get("allow_profiles_outside_organization")
        if allow is not None and allow != organization.allow_profiles_outside_organization:
            organization.change_profiles_policy(allow, context)
        return self._commit(organization, organization, claims)

    @retry_on_conflict
    def delete_organization(self, context: EventContext, organization_id: str) -> Committed[Organization]:
        organization = self.get_organization(organization_id)
        context = context.for_organization(organization_id)
        removed = self._delete_memberships(context, organization_id=organization_id)
        claims = self._release("org_external_id", organization.external_id, organization_id, context)
        organization.delete(context)
        return self._commit(organization, organization, claims, removed)

    # Users -----------------------------------------------------------------

    @staticmethod
    def _email_taken(email: str) -> Conflict:
        return Conflict(f"A user with email '{email}' already exists.", code="email_not_available")

    @staticmethod
    def _user_external_id_taken(external_id: str) -> Conflict:
        return Conflict(
            f"A user with external id '{external_id}' already exists.", code="external_id_already_exists"
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
                self._take("user_external_id", external_id, user_id, context, self._user_external_id_taken(external_id))
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
            claims.append(self._take("user_email", email, user_id, context, self._email_taken(email)))
            claims += self._release("user_email", user.email, user_id, context)
            user.change_email(email, bool(changes.get("email_verified", False)), context)
        elif changes.get("email_verified") is not None and changes["email_verified"] != user.email_verified:
            user.change_email_verified(changes["email_verified"], context)
        if "external_id" in changes and changes["external_id"] != user.external_id:
            new = changes["external_id"]
            if new is not None:
                claims.append(self._take("user_external_id", new, user_id, context, self._user_external_id_taken(new)))
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

    # Organization memberships ----------------------------------------------

    @retry_on_conflict
    def create_membership(
        self,
        context: EventContext,
        *,
        user_id: str,
        organization_id: str,
        role_slugs: Sequence[str] = (),
    ) -> Committed[OrganizationMembership]:
        self.get_user(user_id)
        self.get_organization(organization_id)
        context = context.for_organization(organization_id)
        roles = tuple(role_slugs) or (DEFAULT_ROLE,)
        pair = f"{user_id}/{organization_id}"
        existing = self._claim("membership", pair)
        if existing is not None and existing.owner_id is not None:
            membership = self.get_membership(existing.owner_id)
            if membership.status == "active":
                raise Conflict(
                    f"User '{user_id}' is already a member of organization '{organization_id}'.",
                    code="organization_membership_already_exists",
                )
            if membership.status == "pending":
                raise Rejected(
                    "A pending membership cannot be reactivated; the invitation must be accepted.",
                    code="cannot_reactivate_pending_organization_membership",
                )
            membership.reactivate(context)
            if membership.role_slugs != roles:
                membership.change_roles(roles, context)
            return self._commit(membership, membership)
        membership_id = ids.new_id(ids.MEMBERSHIP)
        claim = self._take("membership", pair, membership_id, context, Conflict("unreachable"))
        membership = OrganizationMembership(
            id=membership_id,
            user_id=user_id,
            organization_id=organization_id,
            role_slugs=roles,
            status="active",
            context=context,
        )
        return self._commit(membership, membership, claim)

    @retry_on_conflict
    def change_membership_roles(
        self, context: EventContext, membership_id: str, role_slugs: Sequence[str]
    ) -> Committed[OrganizationMembership]:
        membership = self.get_membership(membership_id)
        roles = tuple(role_slugs) or (DEFAULT_ROLE,)
        if roles != membership.role_slugs:
            membership.change_roles(roles, context.for_organization(membership.organization_id))
        return self._commit(membership, membership)

    @retry_on_conflict
    def deactivate_membership(self, context: EventContext, membership_id: str) -> Committed[OrganizationMembership]:
        membership = self.get_membership(membership_id)
        membership.deactivate(context.for_organization(membership.organization_id))
        return self._commit(membership, membership)

    @retry_on_conflict
    def reactivate_membership(self, context: EventContext, membership_id: str) -> Committed[OrganizationMembership]:
        membership = self.get_membership(membership_id)
        membership.reactivate(context.for_organization(membership.organization_id))
        return self._commit(membership, membership)

    @retry_on_conflict
    def delete_membership(self, context: EventContext, membership_id: str) -> Committed[OrganizationMembership]:
        membership = self.get_membership(membership_id)
        removed = self._remove_membership(membership, context)
        return self._commit(membership, removed)

    def _remove_membership(self, membership: OrganizationMembership, context: EventContext) -> list[IdgovAggregate]:
        context = context.for_organization(membership.organization_id)
        membership.delete(context)
        pair = f"{membership.user_id}/{membership.organization_id}"
        return [membership, *self._release("membership", pair, membership.id, context)]

    def _delete_memberships(self, context: EventContext, **owner: str) -> list[IdgovAggregate]:
        if self.membership_index is None:
            raise RuntimeError("IdentityApplication.membership_index is not wired")
        removed: list[IdgovAggregate] = []
        for membership_id in self.membership_index.membership_ids(**owner):
            try:
                membership = self.get_membership(membership_id)
            except NotFound:
                continue
            removed += self._remove_membership(membership, context)
        return removed

    # API keys --------------------------------------------------------------

    def create_api_key(self, context: EventContext, *, name: str, secret: str | None = None) -> tuple[Committed[ApiKey], str]:
        secret = secret or api_keys.new_secret()
        key = self._new_api_key(context, name=name, secret=secret)
        try:
            return self._commit(key, key), secret
        except IntegrityError:
            raise Conflict("This API key already exists.", code="api_key_already_exists") from None

    @staticmethod
    def _new_api_key(context: EventContext, *, name: str, secret: str) -> ApiKey:
        hint = secret[:7] + "…" + secret[-4:]
        return ApiKey(name=name, secret_digest=api_keys.digest(secret), display_hint=hint, context=context)

    def authenticate(self, secret: str) -> ApiKey | None:
        if not secret.startswith(api_keys.SECRET_PREFIX):
            return None
        try:
            key = self.repository.get(api_keys.key_id_for(secret))
        except AggregateNotFoundError:
            return None
        return key if isinstance(key, ApiKey) and key.matches(secret) else None

    def initialize_environment(self, context: EventContext, *, admin_secret: str | None = None) -> str | None:
        """On first start, create the environment and its admin API key; return the new secret.

        Later starts change nothing, except that a given ``admin_secret`` not yet known is
        added as a key (so automation can always rely on the key it configured).
        """
        try:
            self.repository.get(ENVIRONMENT_ID)
        except AggregateNotFoundError:
            secret = admin_secret or api_keys.new_secret()
            key = self._new_api_key(context, name="admin", secret=secret)
            try:
                self.save(key, Environment(admin_api_key_id=key.id, context=context))
            except IntegrityError:  # another process initialised it first
                return None
            return secret
        if admin_secret is not None and self.authenticate(admin_secret) is None:
            self.create_api_key(context, name="bootstrap", secret=admin_secret)
        return None

    @retry_on_conflict
    def revoke_api_key(self, context: EventContext, key_id: str) -> Committed[ApiKey]:
        key = self._load(ApiKey, key_id, "API key")
        if not key.revoked:
            key.revoke(context)
        return self._commit(key, key)


def _domains(
    requested: Sequence[tuple[str, str]], current: tuple[OrganizationDomain, ...]
) -> tuple[OrganizationDomain, ...]:
    """Keep the ids of domains that stay, mint ids for new ones."""
    known = {d.domain: d for d in current}
    result = []
    for domain, state in requested:
        name = domain.lower()
        kept = known.get(name)
        domain_id = kept.id if kept else ids.new_id("org_domain")
        result.append(OrganizationDomain(id=domain_id, domain=name, state=state))  # type: ignore[arg-type]
    return tuple(result)
