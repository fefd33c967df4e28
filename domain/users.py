"""The User aggregate: a person who can belong to organizations."""

from __future__ import annotations

from eventsourcing.domain import event

from domain.events import EventContext, IdgovAggregate


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

    class Renamed(IdgovAggregate.Event):
        first_name: str | None
        last_name: str | None

    @event(Renamed)
    def rename(self, first_name: str | None, last_name: str | None, context: EventContext) -> None:
        self.first_name = first_name
        self.last_name = last_name

    class EmailChanged(IdgovAggregate.Event):
        email: str
        email_verified: bool

    @event(EmailChanged)
    def change_email(self, email: str, email_verified: bool, context: EventContext) -> None:
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

    class Deleted(IdgovAggregate.Event):
        pass

    @event(Deleted)
    def delete(self, context: EventContext) -> None:
        self.deleted = True
