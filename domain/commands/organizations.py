"""Use cases of organizations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain import ids
from domain.authorization_schema import ROOT_TYPE
from domain.commands.base import Commands, Committed, retry_on_conflict
from domain.errors import Conflict
from domain.events import EventContext, IdgovAggregate
from domain.organizations import Organization, OrganizationDomain
from domain.resources import Resource, root_resource_id
from domain.uniqueness import Claim


class OrganizationCommands(Commands):
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
                self._take(
                    "org_external_id",
                    external_id,
                    organization_id,
                    context,
                    self._external_id_taken(external_id),
                )
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
        return self._commit(
            organization, organization, claims, self._root_resource(organization, context)
        )

    def _root_resource(
        self, organization: Organization, context: EventContext
    ) -> list[IdgovAggregate]:
        """Every organization is the root of its resource tree, as a resource of type
        ``organization``.
        """
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
        key = f"{organization.id}/{ROOT_TYPE}/{organization.id}"
        return [root, self._take("resource", key, root.id, context, Conflict("unreachable"))]

    @retry_on_conflict
    def update_organization(
        self, context: EventContext, organization_id: str, **changes: Any
    ) -> Committed[Organization]:
        organization = self.get_organization(organization_id)
        context = context.for_organization(organization_id)
        claims: list[Claim] = []
        root: list[IdgovAggregate] = []
        if "name" in changes and changes["name"] != organization.name:
            organization.rename(changes["name"], context)
            resource = self._load(Resource, root_resource_id(organization_id), "Resource")
            resource.follow_organization_name(changes["name"], context)
            root.append(resource)
        if "external_id" in changes and changes["external_id"] != organization.external_id:
            new = changes["external_id"]
            if new is not None:
                claims.append(
                    self._take(
                        "org_external_id",
                        new,
                        organization_id,
                        context,
                        self._external_id_taken(new),
                    )
                )
            claims += self._release(
                "org_external_id", organization.external_id, organization_id, context
            )
            organization.change_external_id(new, context)
        if (
            "metadata" in changes
            and changes["metadata"] is not None
            and changes["metadata"] != organization.metadata
        ):
            organization.change_metadata(changes["metadata"], context)
        if "domains" in changes and changes["domains"] is not None:
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
        return self._commit(organization, organization, claims, root)

    @retry_on_conflict
    def delete_organization(
        self, context: EventContext, organization_id: str
    ) -> Committed[Organization]:
        organization = self.get_organization(organization_id)
        context = context.for_organization(organization_id)
        removed = self._delete_memberships(context, organization_id=organization_id)
        removed += self._organization_groups(context, organization_id)
        removed += self._organization_resources(context, organization_id)
        removed += self._remove_organization_roles(context, organization_id)
        claims = self._release(
            "org_external_id", organization.external_id, organization_id, context
        )
        organization.delete(context)
        return self._commit(organization, organization, claims, removed)


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
