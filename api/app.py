"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import Lifespan

from api import errors
from api.context import RequestContext
from api.routes import (
    access,
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
    app = FastAPI(
        lifespan=lifespan,
        title="idgov",
        summary="Event-sourced identity governance, compatible with the WorkOS API.",
        version="0.1.0",
    )
    app.state.services = services
    app.add_middleware(RequestContext)
    errors.install(app)
    # Routes match in order: access checks, the hottest path by far, first.
    routers = (
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
    )
    for router in routers:
        app.include_router(router)
    return app
