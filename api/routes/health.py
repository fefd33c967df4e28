"""Health and metrics: the event-store position, and each read model's position, lag and
dead letters."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse
from psycopg import sql

from api.deps import ServicesDep
from api.models.health import Health, Unavailable
from api.services import Services

router = APIRouter(tags=["health"])


def snapshot(services: Services) -> dict[str, Any]:
    store = services.commands.store.recorder.max_notification_id() or 0
    projections = {}
    for name, freshness in services.freshness.items():
        position = freshness.watermark()
        with services.reads.connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT count(*) AS n FROM {0}.dead_letters").format(sql.Identifier(name))
            ).fetchone()
        projections[name] = {
            "position": position,
            "lag": max(0, store - position),
            "dead_letters": row["n"] if row else 0,
        }
    # A dead letter is an event a read model could not apply: it serves, but not all of history.
    degraded = any(p["dead_letters"] for p in projections.values())
    return {
        "status": "degraded" if degraded else "ok",
        "mode": services.mode,
        "event_store": {"position": store},
        "projections": projections,
        **services.extra_health(),
    }


@router.get("/health", response_model=Health, responses={503: {"model": Unavailable}})
def health(services: ServicesDep) -> JSONResponse:
    """The event store's position and each read model's position, lag and dead letters;
    `degraded` while a model holds a dead letter, 503 when the database cannot be read. No
    API key needed."""
    try:
        return JSONResponse(snapshot(services))
    except Exception as error:  # the database is unreachable or a schema is missing
        return JSONResponse(
            {"status": "unavailable", "error": type(error).__name__}, status_code=503
        )


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(services: ServicesDep) -> str:
    """Prometheus text exposition."""
    state = snapshot(services)
    lines = [
        "# TYPE idgov_event_store_position gauge",
        f"idgov_event_store_position {state['event_store']['position']}",
    ]
    for metric, key in (
        ("position", "position"),
        ("lag_events", "lag"),
        ("dead_letters", "dead_letters"),
    ):
        lines.append(f"# TYPE idgov_projection_{metric} gauge")
        lines += [
            f'idgov_projection_{metric}{{projection="{n}"}} {p[key]}'
            for n, p in state["projections"].items()
        ]
    return "\n".join(lines) + "\n"
