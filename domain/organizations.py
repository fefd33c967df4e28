"""The Organization aggregate: a customer of the B2B application."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from eventsourcing.domain import event

from domain.events import EventContext, IdgovAggregate, fields_added

DomainState = Literal["pending", "verified", "failed", "legacy_verified", "legacy_dns_verified"]


@dataclass(frozen=True)
class OrganizationDomain:
    id: str
    domain: str
    state: DomainState


class Organization(IdgovAggregate):
    class Created(IdgovAggregate.Created):
        name: str
        external_id: str | None
        metadata: dict[str, str]
        domains: tuple[OrganizationDomain, ...]
        stripe_customer_id: str | None
        allow_profiles_outside_organization: bool

    @event(Created)
    def __init__(
        self,
        id: str,
        name: str,
        external_id: str | None,
        metadata: dict[str, str],
        domains: tuple[OrganizationDomain, ...],
        stripe_customer_id: str | None,
        allow_profiles_outside_organization: bool,
        context: EventContext,
    ) -> None:
        self.name = name
        self.external_id = external_id
        self.metadata = metadata
        self.domains = domains
        self.stripe_customer_id = stripe_customer_id
        self.allow_profiles_outside_organization = allow_profiles_outside_organization
        self.deleted = False

    def rename(self, name: str, context: EventContext) -> None:
        self._renamed(self.name, name, context)

    class Renamed(IdgovAggregate.Event):
        # Version 1 carried the new name only.
        class_version = 2
        previous_name: str | None
        name: str

        upcast_v1_v2 = staticmethod(fields_added(previous_name=None))

    @event(Renamed)
    def _renamed(self, previous_name: str | None, name: str, context: EventContext) -> None:
        self.name = name

    class ExternalIdChanged(IdgovAggregate.Event):
        external_id: str | None

    @event(ExternalIdChanged)
    def change_external_id(self, external_id: str | None, context: EventContext) -> None:
        self.external_id = external_id

    class MetadataChanged(IdgovAggregate.Event):
        metadata: dict[str, str]

    @event(MetadataChanged)
    def change_metadata(self, metadata: dict[str, str], context: EventContext) -> None:
        self.metadata = metadata

    class DomainsChanged(IdgovAggregate.Event):
        domains: tuple[OrganizationDomain, ...]

    @event(DomainsChanged)
    def change_domains(
        self, domains: tuple[OrganizationDomain, ...], context: EventContext
    ) -> None:
        self.domains = domains

    class StripeCustomerIdChanged(IdgovAggregate.Event):
        stripe_customer_id: str | None

    @event(StripeCustomerIdChanged)
    def change_stripe_customer_id(
        self, stripe_customer_id: str | None, context: EventContext
    ) -> None:
        self.stripe_customer_id = stripe_customer_id

    class ProfilesPolicyChanged(IdgovAggregate.Event):
        allow_profiles_outside_organization: bool

    @event(ProfilesPolicyChanged)
    def change_profiles_policy(
        self, allow_profiles_outside_organization: bool, context: EventContext
    ) -> None:
        self.allow_profiles_outside_organization = allow_profiles_outside_organization

    def delete(self, context: EventContext) -> None:
        self._deleted(self.name, context)

    class Deleted(IdgovAggregate.Event):
        # Version 1 carried the organization id only.
        class_version = 2
        name: str | None

        upcast_v1_v2 = staticmethod(fields_added(name=None))

    @event(Deleted)
    def _deleted(self, name: str | None, context: EventContext) -> None:
        self.deleted = True
