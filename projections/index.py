"""What command-side cascades ask of the read side: the ids a cascade must visit, answered once
the read model that knows them has applied every commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.postgres import PostgresDatastore

from projections.access import group_queries
from projections.access import queries as access_queries
from projections.directory import queries as directory_queries
from projections.freshness import Freshness


class ReadSideIndex:
    """The ids a cascade visits, read from the model that knows them once it is fresh."""

    def __init__(
        self, freshness: dict[str, Freshness], datastore: PostgresDatastore, timeout: float
    ) -> None:
        self.freshness = freshness
        self.datastore = datastore
        self.timeout = timeout

    def _ask(
        self, model: str, query: Callable[..., list[str]], *args: Any, **kwargs: Any
    ) -> list[str]:
        self.freshness[model].wait_for_everything_committed(self.timeout)
        with self.datastore.pool.connection() as conn:
            return query(conn, *args, **kwargs)

    def membership_ids(
        self, *, organization_id: str | None = None, user_id: str | None = None
    ) -> list[str]:
        return self._ask(
            "directory",
            directory_queries.membership_ids,
            organization_id=organization_id,
            user_id=user_id,
        )

    def descendant_ids(self, resource_id: str) -> list[str]:
        return self._ask("access", access_queries.descendant_ids, resource_id)

    def resource_ids_of_organization(self, organization_id: str) -> list[str]:
        return self._ask("access", access_queries.resource_ids_of_organization, organization_id)

    def assignment_ids(
        self, *, resource_ids: list[str] | None = None, membership_id: str | None = None
    ) -> list[str]:
        return self._ask(
            "access",
            access_queries.assignment_ids,
            resource_ids=resource_ids,
            membership_id=membership_id,
        )

    def organizations_with_custom_roles(
        self,
        *,
        slug: str | None = None,
        permission_slugs: list[str] | None = None,
        resource_type_slugs: list[str] | None = None,
    ) -> list[str]:
        return self._ask(
            "access",
            access_queries.organizations_with_custom_roles,
            slug=slug,
            permission_slugs=permission_slugs,
            resource_type_slugs=resource_type_slugs,
        )

    def organizations_defaulting_to(self, role_slug: str) -> list[str]:
        return self._ask("access", access_queries.organizations_defaulting_to, role_slug)

    def role_holder_ids(self, role_slug: str, organization_id: str | None = None) -> list[str]:
        return self._ask("access", access_queries.role_holder_ids, role_slug, organization_id)

    def role_assignment_ids(self, role_slug: str, organization_id: str | None = None) -> list[str]:
        return self._ask("access", access_queries.role_assignment_ids, role_slug, organization_id)

    def group_role_mapping_ids(
        self, role_slug: str, organization_id: str | None = None
    ) -> list[str]:
        return self._ask(
            "access", access_queries.group_role_mapping_ids, role_slug, organization_id
        )

    def multi_role_membership_ids(self) -> list[str]:
        return self._ask("access", access_queries.multi_role_membership_ids)

    def group_ids_of_organization(self, organization_id: str) -> list[str]:
        return self._ask("access", group_queries.group_ids_of_organization, organization_id)

    def group_member_ids(
        self, *, group_id: str | None = None, membership_id: str | None = None
    ) -> list[str]:
        return self._ask(
            "access", group_queries.group_member_ids, group_id=group_id, membership_id=membership_id
        )

    def group_role_assignment_ids(
        self, *, group_id: str | None = None, resource_ids: list[str] | None = None
    ) -> list[str]:
        return self._ask(
            "access",
            group_queries.group_role_assignment_ids,
            group_id=group_id,
            resource_ids=resource_ids,
        )
