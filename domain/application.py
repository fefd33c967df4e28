"""The command API of idgov: every use case, one service per area, over one event store.

Services are built here in dependency order, each given what it uses: the event store, the
read-side ports (``domain.services.ports``) and the services below it. None inherits from
another, so "go to definition" on a use case lands on the code that runs.
"""

from __future__ import annotations

from domain.services.api_keys import ApiKeyService
from domain.services.cascades import Cascades
from domain.services.custom_roles import CustomRoleService
from domain.services.environment import EnvironmentService
from domain.services.groups import GroupService
from domain.services.memberships import MembershipService
from domain.services.organizations import OrganizationService
from domain.services.ports import AccessIndex, MembershipIndex, RoleIndex
from domain.services.resources import ResourceService
from domain.services.role_holders import RoleHolders
from domain.services.role_settings import RoleSettingsService
from domain.services.schema import SchemaService
from domain.services.users import UserService
from domain.store import EventStore


class IdentityApplication:
    def __init__(
        self,
        store: EventStore,
        *,
        access: AccessIndex,
        memberships: MembershipIndex,
        roles: RoleIndex,
        server_key: bytes,
    ) -> None:
        """``server_key``: the key of the keyed digests idgov keeps of secrets."""
        self.store = store
        cascades = Cascades(store, access, memberships)
        holders = RoleHolders(store, roles)
        self.api_keys = ApiKeyService(store, server_key)
        self.environment = EnvironmentService(store, self.api_keys)
        self.custom_roles = CustomRoleService(store, holders)
        self.schema = SchemaService(store, self.custom_roles, holders)
        self.role_settings = RoleSettingsService(store, self.custom_roles, holders)
        self.organizations = OrganizationService(store, cascades)
        self.users = UserService(store, cascades)
        self.memberships = MembershipService(store, cascades)
        self.resources = ResourceService(store, cascades, access)
        self.groups = GroupService(store, cascades, access)
