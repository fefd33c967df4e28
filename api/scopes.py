"""What an API key may do with a request: the scope its route needs, and the organizations it
names.

A route needs ``read`` for a GET, ``audit:read`` under ``/audit``, ``admin`` otherwise, unless
it declares its scope with ``openapi_extra=needs("read")`` (the checks: POSTs that change
nothing). Routes that take no API key (health, metrics, docs) need none.

A key restricted to organizations may use only the routes that name one, by an
``organization_id`` or a membership id in the path, the query or the body (a batch check's
items included); every organization named must be one of the key's. A route that names none
(listing every organization, users, the environment's roles, permissions and resource types)
answers 403 ``insufficient_scope``; another organization, or a membership of one, answers 404
as though it did not exist, as Stripe answers for an object another account owns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import parse_qsl

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute, Match
from starlette.types import Scope as AsgiScope

from api.deps import bearer
from api.errors import ApiError
from api.services import Grant, Services
from domain.api_keys import Scope
from domain.errors import NotFound
from projections.directory.queries import MEMBERSHIP_ORGANIZATIONS
from projections.freshness import EVERYTHING

SCOPE_OPTION = "x-idgov-scope"
ORGANIZATION_NAMES = frozenset({"organization_id"})
MEMBERSHIP_NAMES = frozenset({"organization_membership_id", "membership_id"})
READS = frozenset({"GET", "HEAD"})


def needs(scope: Scope) -> dict[str, Any]:
    """``openapi_extra`` of a route that declares the scope it needs (shown in OpenAPI too)."""
    return {SCOPE_OPTION: scope}


def insufficient_scope(message: str, needed: str) -> ApiError:
    errors = [{"field": "scopes", "code": "insufficient_scope", "needed": needed}]
    return ApiError(403, "insufficient_scope", message, errors=errors)


def _uses(dependant: Dependant, call: Any) -> bool:
    return dependant.call is call or any(_uses(d, call) for d in dependant.dependencies)


class RouteScopes:
    """Finds the route a request goes to, and the scope it needs."""

    def __init__(self) -> None:
        # The app's routes, flat and in order, each with the scope it needs (None: no key).
        self._routes: list[tuple[BaseRoute, Scope | None]] | None = None

    def route(self, scope: AsgiScope) -> tuple[Scope | None, dict[str, str]] | None:
        """The scope the request's route needs and its path parameters; None when no route
        of the app takes the request."""
        if self._routes is None:
            routes = [context.route for context in iter_route_contexts(scope["app"].routes)]
            self._routes = [(route, self._declared(route)) for route in routes]
        for route, needed in self._routes:
            match, child = route.matches(scope)
            if match is Match.FULL:
                return needed, child.get("path_params", {})
        return None

    @staticmethod
    def _declared(route: BaseRoute) -> Scope | None:
        if not isinstance(route, APIRoute):
            return None  # the docs
        extra = route.openapi_extra or {}
        if "security" not in extra and not _uses(route.dependant, bearer):
            return None
        if SCOPE_OPTION in extra:
            return cast(Scope, extra[SCOPE_OPTION])
        if route.path.startswith("/audit"):
            return "audit:read"
        return "read" if route.methods and route.methods <= READS else "admin"


def refuse_unscoped(grant: Grant, needed: Scope) -> None:
    if not grant.allows(needed):
        raise insufficient_scope(f"This API key lacks the '{needed}' scope.", needed)


def _named_in_body(body: bytes) -> Iterator[tuple[str, Any]]:
    """The body's fields at its top level and in its lists' items (a batch check's items)."""
    try:
        document = json.loads(body) if body else None
    except ValueError:
        return  # the route refuses it as invalid JSON
    if not isinstance(document, dict):
        return
    for name, value in document.items():
        yield name, value
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    yield from item.items()


async def refuse_elsewhere(
    services: Services, grant: Grant, scope: AsgiScope, params: dict[str, str], body: bytes
) -> None:
    """Refuse a restricted key a request naming no organization, or another one."""
    if not grant.organization_ids:
        return
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"))
    named = [*params.items(), *query, *_named_in_body(body)]
    organizations = {v for n, v in named if n in ORGANIZATION_NAMES and isinstance(v, str)}
    memberships = {v for n, v in named if n in MEMBERSHIP_NAMES and isinstance(v, str)}
    if not organizations and not memberships:
        raise insufficient_scope(
            "This API key is restricted to organizations; this request names none.",
            "organization",
        )
    outside = sorted(organizations - grant.organization_ids)
    if outside:
        raise NotFound(f"Organization not found: '{outside[0]}'.")
    if memberships:
        row, _ = await services.freshness["directory"].read_one(
            services.statement_reads,
            MEMBERSHIP_ORGANIZATIONS,
            [sorted(memberships)],
            EVERYTHING,
            services.consistency_timeout,
        )
        found: dict[str, str] = row["organizations"]
        for membership_id in sorted(memberships):
            if found.get(membership_id) not in grant.organization_ids:
                raise NotFound(f"Organization membership not found: '{membership_id}'.")
