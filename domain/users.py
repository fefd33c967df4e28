"""The User aggregate: a person who can belong to organizations."""

from __future__ import annotations

from eventsourcing.domain import event

from domain.events import EventContext, IdgovAggregate, fields_added


class User(IdgovAggregate):
    class Created(IdgovAggregate.Created):
        email: str
        first_name: str | None
        last_name: str | None
        email_verified: bool
        external_id: str | None
        metadata: dict[str, str]

    @event(Created)
    def __init__(
        self,
        id: str,
        email: str,
        first_name: str | None,
        last_name: str | None,
        email_verified: bool,
        external_id: str | None,
        metadata: dict[str, str],
        context: EventContext,
    ) -> None:
        self.email = email
        self.first_name = first_name
        self.last_name = last_name
        self.email_verified = email_verified
        self.external_id = external_id
        self.metadata = metadata
        self.deleted = False

    def rename(self, first_name: str | None, last_name: str | None, context: EventContext) -> None:
        self._renamed(self.first_name, self.last_name, first_name, last_name, context)

    class Renamed(IdgovAggregate.Event):
        # Version 1 carried the new names only.
        class_version = 2
        previous_first_name: str | None
        previous_last_name: str | None
        first_name: str | None
        last_name: str | None

        upcast_v1_v2 = staticmethod(fields_added(previous_first_name=None, previous_last_name=None))

    @event(Renamed)
    def _renamed(
        self,
        previous_first_name: str | None,
        previous_last_name: str | None,
        first_name: str | None,
        last_name: str | None,
        context: EventContext,
    ) -> None:
        self.first_name = first_name
        self.last_name = last_name

    def change_email(self, email: str, email_verified: bool, context: EventContext) -> None:
        self._email_changed(self.email, email, email_verified, context)

    class EmailChanged(IdgovAggregate.Event):
        # Version 1 carried the new email only.
        class_version = 2
        previous_email: str | None
        email: str
        email_verified: bool

        upcast_v1_v2 = staticmethod(fields_added(previous_email=None))

    @event(EmailChanged)
    def _email_changed(
        self, previous_email: str | None, email: str, email_verified: bool, context: EventContext
    ) -> None:
        self.email = email
        self.email_verified = email_verified

    class EmailVerificationChanged(IdgovAggregate.Event):
        email_verified: bool

    @event(EmailVerificationChanged)
    def change_email_verified(self, email_verified: bool, context: EventContext) -> None:
        self.email_verified = email_verified

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

    def delete(self, context: EventContext) -> None:
        self._deleted(self.email, context)

    class Deleted(IdgovAggregate.Event):
        # Version 1 carried the user id only.
        class_version = 2
        email: str | None

        upcast_v1_v2 = staticmethod(fields_added(email=None))

    @event(Deleted)
    def _deleted(self, email: str | None, context: EventContext) -> None:
        self.deleted = True
