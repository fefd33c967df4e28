"""The Organization aggregate: a customer of the B2B application."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from eventsourcing.domain import event

from domain.events import EventContext, IdgovAggregate

DomainState = Literal["pending", "verified", "failed", "legacy_verified", "legacy_dns_verified"]


@dataclass(frozen=True)
class OrganizationDomain:
    id: str
    domain: str
    state: DomainState


class Organization(IdgovAggregate):
    @event("Created")
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

    @event("Renamed")
    def rename(self, name: str, context: EventContext) -> None:
        self.name = name

    @event("ExternalIdChanged")
    def change_external_id(self, external_id: str | None, context: EventContext) -> None:
        self.external_id = external_id

    @event("MetadataChanged")
    def change_metadata(self, metadata: dict[str, str], context: EventContext) -> None:
        self.metadata = metadata

    @event("DomainsChanged")
    def change_domains(
        self, domains: tuple[OrganizationDomain, ...], context: EventContext
    ) -> None:
        self.domains = domains

    @event("StripeCustomerIdChanged")
    def change_stripe_customer_id(
        self, stripe_customer_id: str | None, context: EventContext
    ) -> None:
        self.stripe_customer_id = stripe_customer_id

    @event("ProfilesPolicyChanged")
    def change_profiles_policy(
        self, allow_profiles_outside_organization: bool, context: EventContext
    ) -> None:
        self.allow_profiles_outside_organization = allow_profiles_outside_organization

    @event("Deleted")
    def delete(self, context: EventContext) -> None:
        self.deleted = True
