"""Which scope a route needs: declared by the route, or decided by its method and path."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from api.deps import CurrentActor, authenticate
from api.scopes import RouteScopes, needs


def _app() -> FastAPI:
    router = APIRouter()

    @router.get("/public")
    def public() -> None: ...

    @router.get("/things/{thing_id}")
    def read(thing_id: str, _: CurrentActor) -> None: ...

    @router.post("/things", dependencies=[Depends(authenticate)])
    def change() -> None: ...

    @router.post(
        "/things/search", openapi_extra=needs("read"), dependencies=[Depends(authenticate)]
    )
    def search() -> None: ...

    @router.get("/audit/events", dependencies=[Depends(authenticate)])
    def history() -> None: ...

    app = FastAPI()
    app.include_router(router)
    return app


def test_a_route_needs_the_scope_it_declares_else_one_by_its_method_and_path() -> None:
    app, routes = _app(), RouteScopes()

    def needed(method: str, path: str) -> object:
        scope = {"type": "http", "method": method, "path": path, "app": app, "root_path": ""}
        return routes.route(scope)

    assert needed("GET", "/public") == (None, {})
    assert needed("GET", "/things/t_1") == ("read", {"thing_id": "t_1"})
    assert needed("POST", "/things") == ("admin", {})
    assert needed("POST", "/things/search") == ("read", {})
    assert needed("GET", "/audit/events") == ("audit:read", {})
    assert needed("DELETE", "/things") is None
    assert needed("GET", "/docs") == (None, {})
