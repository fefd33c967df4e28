"""Prefixed, time-sortable identifiers (``org_01J…``), the shape WorkOS clients expect."""

import re

from ulid import ULID

ORGANIZATION = "org"
USER = "user"
MEMBERSHIP = "om"
API_KEY = "key"
GROUP = "group"
GROUP_MEMBER = "group_member"
GROUP_ROLE_ASSIGNMENT = "gra"

_ID = re.compile(r"^[a-z_]+_[0-9A-HJKMNP-TV-Z]{26}$")


def new_id(prefix: str) -> str:
    return f"{prefix}_{ULID()}"


def has_prefix(value: str, prefix: str) -> bool:
    """True when ``value`` is a well-formed id of this kind."""
    return value.startswith(prefix + "_") and bool(_ID.match(value))
