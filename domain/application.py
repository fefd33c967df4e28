"""The command API of idgov: every use case, over one event store and notification log."""

from __future__ import annotations

from domain.authorization_schema import DEFAULT_ROLE
from domain.commands.authorization import SchemaCommands
from domain.commands.base import Committed, retry_on_conflict
from domain.commands.environment import EnvironmentCommands
from domain.commands.groups import GroupCommands, RoleOn
from domain.commands.memberships import MembershipCommands, MembershipIndex
from domain.commands.organizations import OrganizationCommands
from domain.commands.resources import AccessIndex, ResourceCommands
from domain.commands.roles import RoleCommands, RoleIndex
from domain.commands.users import UserCommands
from domain.store import EVENT_STORE_STREAM

__all__ = [
    "DEFAULT_ROLE",
    "AccessIndex",
    "Committed",
    "IdentityApplication",
    "MembershipIndex",
    "RoleIndex",
    "RoleOn",
    "retry_on_conflict",
]


class IdentityApplication(
    OrganizationCommands,
    UserCommands,
    MembershipCommands,
    GroupCommands,
    ResourceCommands,
    RoleCommands,
    SchemaCommands,
    EnvironmentCommands,
):
    name = EVENT_STORE_STREAM
