"""The Environment aggregate: the one idgov installation, created on first start."""

from __future__ import annotations

from eventsourcing.domain import event

from domain.events import EventContext, IdgovAggregate

ENVIRONMENT_ID = "environment"


class Environment(IdgovAggregate):
    @staticmethod
    def create_id(**_: object) -> str:
        return ENVIRONMENT_ID

    class Created(IdgovAggregate.Created):
        admin_api_key_id: str

    @event(Created)
    def __init__(self, admin_api_key_id: str, context: EventContext) -> None:
        self.admin_api_key_id = admin_api_key_id
        self.admin_role_seeded = False

    class AdminRoleSeeded(IdgovAggregate.Event):
        """The ``admin`` role was given to the environment once; deleting it later is final."""

    @event(AdminRoleSeeded)
    def admin_role_given(self, context: EventContext) -> None:
        self.admin_role_seeded = True
