"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from api import errors
from api.context import request_context
from api.routes import health, organizations, permissions, resource_types, roles
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
    for router in (health.router, organizations.router, resource_types.router, permissions.router, roles.router):
        app.include_router(router)
    return app
