"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.types import Lifespan

from api import checks, errors, idempotency, openapi
from api.checks import CheckLane
from api.context import RequestContext
from api.guard import RequestGuard
from api.routes import (
    access,
    api_keys,
    audit,
    group_roles,
    groups,
    health,
    memberships,
    organization_roles,
    organizations,
    permissions,
    resource_types,
    resources,
    role_settings,
    roles,
    users,
)
from api.services import Services


def create_app(services: Services, lifespan: Lifespan[FastAPI] | None = None) -> FastAPI:
    @asynccontextmanager
    async def serving(app: FastAPI) -> AsyncIterator[None]:
        # The event loop's pool opens and closes inside the loop that uses it.
        await services.statement_reads.open()
        await services.idempotency_keys.pool.open()
        try:
            if lifespan is None:
                yield
            else:
                async with lifespan(app):
                    yield
        finally:
            await services.idempotency_keys.pool.close()
            await services.statement_reads.close()

    # Swagger UI and ReDoc from assets installed with the package: the docs work offline.
    app = FastAPIOffline(
        lifespan=serving,
        title="idgov",
        summary="Event-sourced identity governance, compatible with the WorkOS API.",
        version="0.1.0",
    )
    app.state.services = services
    # The last added runs first: the request context wraps everything; the guard
    # authenticates, bounds and screens every body before the lane or a route reads it.
    idempotency.install(app, services, reads=checks.router)
    app.add_middleware(CheckLane, services=services, handlers=app.exception_handlers)
    app.add_middleware(RequestGuard, services=services)
    app.add_middleware(RequestContext)
    errors.install(app)
    openapi.install(app)
    # Routes match in order: access checks, the hottest path by far, first.
    routers = (
        checks.router,
        access.router,
        health.router,
        organizations.router,
        users.router,
        memberships.router,
        resource_types.router,
        permissions.router,
        roles.router,
        organization_roles.router,
        role_settings.router,
        resources.router,
        groups.router,
        group_roles.router,
        api_keys.router,
        audit.router,
    )
    for router in routers:
        app.include_router(router)
    return app
