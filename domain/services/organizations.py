"""Use cases of organizations. Every organization is also the root of its resource tree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain import ids
from domain.authorization_schema import ROOT_TYPE
from domain.errors import Conflict
from domain.events import EventContext, IdgovAggregate
from domain.organizations import Organization, OrganizationDomain
from domain.resources import Resource, root_resource_id
from domain.services import claims
from domain.services.cascades import Cascades
from domain.store import Committed, EventStore, retry_on_conflict
from domain.uniqueness import Claim


def _external_id_taken(external_id: str) -> Conflict:
    return Conflict(
        f"An organization with external id '{external_id}' already exists.",
        code="external_id_already_exists",
    )


@dataclass(frozen=True)
class OrganizationService:
    store: EventStore
    cascades: Cascades

    def _take_external_id(
        self, external_id: str, organization_id: str, context: EventContext
    ) -> Claim:
        return self.store.take(
            claims.ORGANIZATION_EXTERNAL_ID,
            external_id,
            organization_id,
            context,
            _external_id_taken(external_id),
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
        taken = (
            []
            if external_id is None
            else [self._take_external_id(external_id, organization_id, context)]
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
        return self.store.commit(
            organization, organization, taken, self._root_resource(organization, context)
        )

    def _root_resource(
        self, organization: Organization, context: EventContext
    ) -> list[IdgovAggregate]:
        """The organization as a resource of type ``organization``, its external id its id."""
        root = Resource(
            id=root_resource_id(organization.id),
            organization_id=organization.id,
            resource_type_slug=ROOT_TYPE,
            external_id=organization.id,
            name=organization.name,
            description=None,
            parent_resource_id=None,
            context=context,
        )
        key = claims.resource_key(organization.id, ROOT_TYPE, organization.id)
        return [
            root,
            self.store.take(claims.RESOURCE, key, root.id, context, Conflict("unreachable")),
        ]

    @retry_on_conflict
    def update_organization(
        self, context: EventContext, organization_id: str, **changes: Any
    ) -> Committed[Organization]:
        """Only the fields in ``changes`` change."""
        organization = self.store.get_organization(organization_id)
        context = context.for_organization(organization_id)
        taken: list[Claim] = []
        root: list[Resource] = []
        if "name" in changes and changes["name"] != organization.name:
            organization.rename(changes["name"], context)
            root.append(self.store.get_resource(root_resource_id(organization_id)))
            root[0].follow_organization_name(changes["name"], context)
        if "external_id" in changes and changes["external_id"] != organization.external_id:
            new = changes["external_id"]
            if new is not None:
                taken.append(self._take_external_id(new, organization_id, context))
            taken += self.store.release(
                claims.ORGANIZATION_EXTERNAL_ID, organization.external_id, organization_id, context
            )
            organization.change_external_id(new, context)
        if changes.get("metadata") is not None and changes["metadata"] != organization.metadata:
            organization.change_metadata(changes["metadata"], context)
        if changes.get("domains") is not None:
            domains = _domains(changes["domains"], organization.domains)
            if domains != organization.domains:
                organization.change_domains(domains, context)
        if (
            "stripe_customer_id" in changes
            and changes["stripe_customer_id"] != organization.stripe_customer_id
        ):
            organization.change_stripe_customer_id(changes["stripe_customer_id"], context)
        allow = changes.get("allow_profiles_outside_organization")
        if allow is not None and allow != organization.allow_profiles_outside_organization:
            organization.change_profiles_policy(allow, context)
        return self.store.commit(organization, organization, taken, root)

    @retry_on_conflict
    def delete_organization(
        self, context: EventContext, organization_id: str
    ) -> Committed[Organization]:
        """With its memberships, groups, resources and custom roles."""
        organization = self.store.get_organization(organization_id)
        context = context.for_organization(organization_id)
        removed = self.cascades.memberships(context, organization_id=organization_id)
        removed += self.cascades.organization_groups(context, organization_id)
        removed += self.cascades.organization_resources(context, organization_id)
        removed += self.cascades.organization_roles(context, organization_id)
        released = self.store.release(
            claims.ORGANIZATION_EXTERNAL_ID, organization.external_id, organization_id, context
        )
        organization.delete(context)
        return self.store.commit(organization, organization, released, removed)


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
