"""The API as an application factory, for ``IDGOV_API_WORKERS`` above 1: uvicorn starts that
many worker processes on it, and each builds its own pools from the settings the parent
process handed down in the environment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.app import create_app
from idgov import logs
from idgov.bootstrap import System
from idgov.database import Database
from idgov.settings import Settings


def create() -> FastAPI:
    settings = Settings()
    logs.configure(settings.log_format, settings.log_level)
    if not settings.database_url:
        raise RuntimeError("an API worker needs IDGOV_DATABASE_URL from the process that forks it")
    system = System(settings, Database.from_url(settings.database_url))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            system.close()

    return create_app(system.services(), lifespan=lifespan)
