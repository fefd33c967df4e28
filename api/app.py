"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from api import errors
from api.context import request_context
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


def create_app(services: Services) -> FastAPI:
    app = FastAPI(
        title="idgov",
        summary="Event-sourced identity governance, compatible with the WorkOS API.",
        version="0.1.0",
    )
    app.state.services = services
    app.middleware("http")(request_context)
    errors.install(app)
    routers = (
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
        access.router,
        groups.router,
        group_roles.router,
    )
    for router in routers:
        app.include_router(router)
    return app
