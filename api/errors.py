"""Errors as WorkOS shapes them: ``{code, message}``; validation ``{message, errors: [{field,
code}]}``.
"""

from __future__ import annotations

from typing import Any

import psycopg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from domain.errors import Conflict, DomainError, Invalid, NotFound, Rejected
from projections.freshness import BeyondTheHead, NotFreshEnough

log = structlog.get_logger("idgov.api")

STATUS = {NotFound: 404, Conflict: 409, Rejected: 400, Invalid: 422}

_PYDANTIC_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "too_long": "too_long",
    "too_short": "too_short",
    "literal_error": "invalid_value",
    "enum": "invalid_value",
    "string_pattern_mismatch": "invalid_format",
    "value_error": "invalid_value",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
}


class ApiError(Exception):
    """An error raised by a route itself, with WorkOS's status and code."""

    def __init__(
        self, status: int, code: str, message: str, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors


def invalid_parameters(message: str, code: str, *fields: str) -> ApiError:
    """422 ``invalid_request_parameters``, naming each field at fault with ``code``."""
    errors = [{"field": field, "code": code} for field in fields]
    return ApiError(422, "invalid_request_parameters", message, errors=errors)


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _code(error: dict[str, Any]) -> str:
    kind = str(error["type"])
    if kind in _PYDANTIC_CODES:
        return _PYDANTIC_CODES[kind]
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return "invalid_type"
    return kind


def _allowed(request: Request) -> list[str]:
    """Every method the request's path answers, as documented (Starlette names only those of
    the first route it matched)."""
    paths: dict[str, dict[str, Any]] = request.app.openapi()["paths"]
    return sorted(
        {
            method.upper()
            for path, operations in paths.items()
            if compile_path(path)[0].match(request.url.path)
            for method in operations
        }
    )


def not_json() -> JSONResponse:
    return JSONResponse(
        error_body("invalid_json", "The request body is not valid JSON."), status_code=400
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e["type"] == "json_invalid" for e in errors):
            return not_json()
        return JSONResponse(
            {
                "code": "invalid_request_parameters",
                "message": "Validation failed",
                "errors": [{"field": _field(tuple(e["loc"])), "code": _code(e)} for e in errors],
            },
            status_code=422,
        )

    @app.exception_handler(DomainError)
    async def domain(request: Request, exc: DomainError) -> JSONResponse:
        status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
        if isinstance(exc, Invalid):
            body = {
                "code": exc.code,
                "message": exc.message,
                "errors": [{"field": exc.field, "code": exc.code}],
            }
            return JSONResponse(body, status_code=status)
        return JSONResponse(error_body(exc.code, exc.message), status_code=status)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        body = error_body(exc.code, exc.message)
        if exc.errors is not None:
            body["errors"] = exc.errors
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(NotFreshEnough)
    async def stale(request: Request, exc: NotFreshEnough) -> JSONResponse:
        log.warning(
            "consistency_timeout", projection=exc.projection, wanted=exc.wanted, reached=exc.reached
        )
        body = error_body(
            "consistency_timeout",
            f"The read model has not caught up with position {exc.wanted} in time (it is at"
            f" {exc.reached}). "
            "Retry, or read with X-Idgov-Consistency: minimize_latency.",
            projection=exc.projection,
            position=str(exc.reached),
        )
        return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(BeyondTheHead)
    async def beyond_the_head(request: Request, exc: BeyondTheHead) -> JSONResponse:
        body = error_body(
            "invalid_consistency_token",
            f"No commit has reached position {exc.wanted} (the event store is at {exc.head}):"
            " send a token this deployment issued.",
        )
        return JSONResponse(body, status_code=400)

    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
            return not_json()  # FastAPI's answer to a body that is not even UTF-8
        codes = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
        code = codes.get(exc.status_code, "http_error")
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(_allowed(request))}
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers)

    @app.exception_handler(psycopg.DataError)
    async def unstorable(request: Request, exc: psycopg.DataError) -> JSONResponse:
        # A value the database refuses (the request guard keeps most out): the caller's input.
        log.warning("data_error", error=type(exc).__name__)
        return JSONResponse(
            error_body("invalid_request", "A value in the request cannot be stored or read."),
            status_code=400,
        )

    @app.exception_handler(PoolTimeout)
    async def busy(request: Request, exc: PoolTimeout) -> JSONResponse:
        log.warning("pool_timeout")
        return JSONResponse(
            error_body("server_busy", "Every database connection is busy; retry shortly."),
            status_code=503,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error")
        return JSONResponse(
            error_body("server_error", "An unexpected error occurred."), status_code=500
        )
