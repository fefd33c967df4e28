"""The User aggregate: a person who can belong to organizations."""

from __future__ import annotations

from eventsourcing.domain import event

from domain.events import EventContext, IdgovAggregate


class User(IdgovAggregate):
    @event("Created")
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

    @event("Renamed")
    def rename(self, first_name: str | None, last_name: str | None, context: EventContext) -> None:
        self.first_name = first_name
        self.last_name = last_name

    @event("EmailChanged")
    def change_email(self, email: str, email_verified: bool, context: EventContext) -> None:
        self.email = email
        self.email_verified = email_verified

    @event("EmailVerificationChanged")
    def change_email_verified(self, email_verified: bool, context: EventContext) -> None:
        self.email_verified = email_verified

    @event("ExternalIdChanged")
    def change_external_id(self, external_id: str | None, context: EventContext) -> None:
        self.external_id = external_id

    @event("MetadataChanged")
    def change_metadata(self, metadata: dict[str, str], context: EventContext) -> None:
        self.metadata = metadata

    @event("Deleted")
    def delete(self, context: EventContext) -> None:
        self.deleted = True
