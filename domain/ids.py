"""Prefixed, time-sortable identifiers (``org_01J…``), the shape WorkOS clients expect."""

from ulid import ULID

ORGANIZATION = "org"
USER = "user"
MEMBERSHIP = "om"
API_KEY = "key"
GROUP = "group"
GROUP_MEMBER = "group_member"
GROUP_ROLE_ASSIGNMENT = "gra"


def new_id(prefix: str) -> str:
    return f"{prefix}_{ULID()}"
