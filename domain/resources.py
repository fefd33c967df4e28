"""The Resource aggregate: one node of an organization's typed resource tree.

Every organization has a root resource of type ``organization`` (created with it, never
edited or deleted by hand, its external id the organization id). Every other resource has
exactly one parent in the same organization, of a type its own type allows as parent.
"""

from __future__ import annotations

from eventsourcing.domain import event

from domain import ids
from domain.errors import Rejected
from domain.events import EventContext, IdgovAggregate, fields_added

RESOURCE = "authz_resource"


def root_resource_id(organization_id: str) -> str:
    """The root resource shares the organization's time-sortable id body."""
    return f"{RESOURCE}_{organization_id.removeprefix(ids.ORGANIZATION + '_')}"


class Resource(IdgovAggregate):
    class Created(IdgovAggregate.Created):
        organization_id: str
        resource_type_slug: str
        external_id: str
        name: str
        description: str | None
        parent_resource_id: str | None

    @event(Created)
    def __init__(
        self,
        id: str,
        organization_id: str,
        resource_type_slug: str,
        external_id: str,
        name: str,
        description: str | None,
        parent_resource_id: str | None,
        context: EventContext,
    ) -> None:
        self.organization_id = organization_id
        self.resource_type_slug = resource_type_slug
        self.external_id = external_id
        self.name = name
        self.description = description
        self.parent_resource_id = parent_resource_id
        self.deleted = False

    @property
    def is_root(self) -> bool:
        return self.parent_resource_id is None

    def _refuse_on_root(self, what: str) -> None:
        if self.is_root:
            raise Rejected(
                f"The organization's root resource cannot be {what}.",
                code="organization_resource_immutable",
            )

    def rename(self, name: str, context: EventContext) -> None:
        self._refuse_on_root("renamed")
        if name != self.name:
            self._renamed(self.name, name, context)

    def follow_organization_name(self, name: str, context: EventContext) -> None:
        """The root resource carries its organization's name."""
        if self.is_root and name != self.name:
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

    def describe(self, description: str | None, context: EventContext) -> None:
        self._refuse_on_root("changed")
        if description != self.description:
            self._described(self.description, description, context)

    class Described(IdgovAggregate.Event):
        # Version 1 carried the new description only.
        class_version = 2
        previous_description: str | None
        description: str | None

        upcast_v1_v2 = staticmethod(fields_added(previous_description=None))

    @event(Described)
    def _described(
        self, previous_description: str | None, description: str | None, context: EventContext
    ) -> None:
        self.description = description

    def move(self, parent_resource_id: str, context: EventContext) -> None:
        self._refuse_on_root("moved")
        if parent_resource_id != self.parent_resource_id:
            self._moved(self.parent_resource_id, parent_resource_id, context)

    class Moved(IdgovAggregate.Event):
        from_parent_resource_id: str | None
        parent_resource_id: str

    @event(Moved)
    def _moved(
        self, from_parent_resource_id: str | None, parent_resource_id: str, context: EventContext
    ) -> None:
        self.parent_resource_id = parent_resource_id

    def delete(self, context: EventContext) -> None:
        self._deleted(self.name, self.resource_type_slug, self.external_id, context)

    class Deleted(IdgovAggregate.Event):
        # Version 1 carried the resource id only.
        class_version = 2
        name: str | None
        resource_type_slug: str | None
        external_id: str | None

        upcast_v1_v2 = staticmethod(
            fields_added(name=None, resource_type_slug=None, external_id=None)
        )

    @event(Deleted)
    def _deleted(
        self,
        name: str | None,
        resource_type_slug: str | None,
        external_id: str | None,
        context: EventContext,
    ) -> None:
        self.deleted = True


def new_resource_id() -> str:
    return ids.new_id(RESOURCE)
