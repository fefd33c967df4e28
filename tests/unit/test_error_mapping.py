"""Errors from the database never answer 500: a value it refuses is the caller's 400, a pool
with no free connection a 503 to retry."""

from __future__ import annotations

import psycopg
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg_pool import PoolTimeout

from api import errors


def _raising(error: Exception) -> TestClient:
    app = FastAPI()
    errors.install(app)

    @app.get("/fails")
    def fails() -> None:
        raise error

    return TestClient(app, raise_server_exceptions=False)


def test_a_value_the_database_refuses_is_the_callers_error() -> None:
    response = _raising(psycopg.errors.CharacterNotInRepertoire("invalid byte")).get("/fails")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_request")


def test_a_pool_without_a_free_connection_asks_to_retry() -> None:
    response = _raising(PoolTimeout("no connection in 5 s")).get("/fails")
    assert (response.status_code, response.json()["code"]) == (503, "server_busy")
    assert response.headers["Retry-After"] == "1"


def test_anything_else_is_a_server_error_without_details() -> None:
    response = _raising(RuntimeError("secret detail")).get("/fails")
    assert response.status_code == 500
    assert "secret" not in response.text
