"""Plain HTTP: consistency headers, authentication, and every kind of bad request.

Each refused request is checked twice: the error body is exactly what was promised, and
nothing changed (the event store did not move and the lists read the same).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from domain.store import EventStore
from tests.e2e.support import nothing_changes, unique
from tests.servers import Server

ORGS = "/organizations"
USERS = "/user_management/users"
MEMBERSHIPS = "/user_management/organization_memberships"
TOKEN = "X-Idgov-Consistency-Token"
CONSISTENCY = "X-Idgov-Consistency"
READ_POSITION = "X-Idgov-Read-Position"
REASON = "X-Idgov-Reason"
UNKNOWN = {"org": "org_01JZZZZZZZZZZZZZZZZZZZZZZZ", "user": "user_01JZZZZZZZZZZZZZZZZZZZZZZZ"}
UNKNOWN_MEMBERSHIP = "om_01JZZZZZZZZZZZZZZZZZZZZZZZ"
# The checks are served without FastAPI's dependencies: they must refuse exactly as the rest.
CHECK = f"/authorization/organization_memberships/{UNKNOWN_MEMBERSHIP}/check"
BATCH_CHECK = "/authorization/check/batch"


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http


@pytest.fixture(scope="module")
def known(client: httpx.Client) -> dict[str, Any]:
    """One organization, one user and their membership, each with what makes it unique; and
    an ``admin`` role to give."""
    assert client.get("/authorization/roles/admin").is_success  # seeded
    org = client.post(ORGS, json={"name": "Known", "external_id": unique("org")}).json()
    user = client.post(
        USERS, json={"email": f"{unique('known')}@example.com", "external_id": unique("user")}
    ).json()
    membership = client.post(
        MEMBERSHIPS, json={"user_id": user["id"], "organization_id": org["id"]}
    ).json()
    return {"org": org, "user": user, "membership": membership}


def position(client: httpx.Client) -> int:
    return int(client.get("/health").json()["event_store"]["position"])


def everything(client: httpx.Client, known: dict[str, Any]) -> dict[str, Any]:
    every_status = {"statuses": "active,inactive,pending", "limit": 100}
    return {
        "position": position(client),
        "organizations": client.get(ORGS, params={"limit": 100}).json(),
        "users": client.get(USERS, params={"limit": 100}).json(),
        "memberships": client.get(
            MEMBERSHIPS, params={"organization_id": known["org"]["id"], **every_status}
        ).json(),
    }


def validation_error(*errors: tuple[str, str]) -> dict[str, Any]:
    return {
        "code": "invalid_request_parameters",
        "message": "Validation failed",
        "errors": [{"field": field, "code": code} for field, code in errors],
    }


# ------------------------------------------------------------------ consistency --


def test_every_command_returns_its_position_as_token(
    client: httpx.Client, known: dict[str, Any]
) -> None:
    created = client.post(ORGS, json={"name": "Token"})
    assert created.status_code == 201
    token = int(created.headers[TOKEN])
    assert token == position(client)

    updated = client.put(f"{ORGS}/{created.json()['id']}", json={"name": "Token 2"})
    assert int(updated.headers[TOKEN]) > token
    user = client.post(USERS, json={"email": f"{unique('t')}@example.com"})
    membership = client.post(
        MEMBERSHIPS, json={"user_id": user.json()["id"], "organization_id": created.json()["id"]}
    )
    deactivated = client.put(f"{MEMBERSHIPS}/{membership.json()['id']}/deactivate")
    assert int(deactivated.headers[TOKEN]) == position(client)
    # A command that changes nothing still answers with a token: the current position.
    again = client.put(f"{MEMBERSHIPS}/{membership.json()['id']}/deactivate")
    assert int(again.headers[TOKEN]) == int(deactivated.headers[TOKEN])
    for response in (
        user,
        membership,
        client.put(f"{USERS}/{user.json()['id']}", json={"first_name": "T"}),
        client.put(f"{MEMBERSHIPS}/{membership.json()['id']}/reactivate"),
        client.put(f"{MEMBERSHIPS}/{membership.json()['id']}", json={"role_slug": "admin"}),
        client.delete(f"{MEMBERSHIPS}/{membership.json()['id']}"),
        client.delete(f"{USERS}/{user.json()['id']}"),
        client.delete(f"{ORGS}/{created.json()['id']}"),
    ):
        assert response.is_success, response.text
        assert int(response.headers[TOKEN]) > token


@pytest.mark.parametrize(
    "path",
    [ORGS, USERS, f"{MEMBERSHIPS}?organization_id=org_x", "{org}", "{user}", "{membership}"],
)
def test_reads_tell_the_position_they_answer_at(
    client: httpx.Client, known: dict[str, Any], path: str
) -> None:
    path = path.format(
        org=f"{ORGS}/{known['org']['id']}",
        user=f"{USERS}/{known['user']['id']}",
        membership=f"{MEMBERSHIPS}/{known['membership']['id']}",
    )
    response = client.get(path)
    assert response.status_code == 200
    assert int(response.headers[READ_POSITION]) == position(client)


def test_a_read_with_a_token_sees_the_command(client: httpx.Client) -> None:
    created = client.post(USERS, json={"email": f"{unique('fresh')}@example.com"})
    token = created.headers[TOKEN]
    for headers in ({CONSISTENCY: "at_least_as_fresh", TOKEN: token}, {TOKEN: token}):
        response = client.get(f"{USERS}/{created.json()['id']}", headers=headers)
        assert response.status_code == 200
        assert int(response.headers[READ_POSITION]) >= int(token)
        assert response.json() == created.json()


def test_minimize_latency_answers_from_the_model_as_it_is(
    client: httpx.Client, known: dict[str, Any]
) -> None:
    response = client.get(f"{ORGS}/{known['org']['id']}", headers={CONSISTENCY: "minimize_latency"})
    assert response.status_code == 200
    assert int(response.headers[READ_POSITION]) <= position(client)
    assert response.json()["id"] == known["org"]["id"]


def test_a_token_no_commit_has_reached_is_refused_at_once(
    client: httpx.Client, known: dict[str, Any]
) -> None:
    """Waiting for it would hold the caller until the timeout, for nothing."""
    beyond = str(position(client) + 1_000)
    check = CHECK.replace(UNKNOWN_MEMBERSHIP, known["membership"]["id"])
    body = {"permission_slug": "p", "resource_id": "authz_resource_unknown"}
    for request in (
        lambda headers: client.get(f"{ORGS}/{known['org']['id']}", headers=headers),
        lambda headers: client.get(ORGS, headers=headers),
        lambda headers: client.post(check, json=body, headers=headers),
    ):
        for headers in ({CONSISTENCY: "at_least_as_fresh", TOKEN: beyond}, {TOKEN: beyond}):
            started = time.monotonic()
            response = request(headers)
            assert time.monotonic() - started < 1.0
            assert response.status_code == 400, response.text
            assert response.json()["code"] == "invalid_consistency_token"


def _stored_reason(server: Server, aggregate_id: str) -> str | None:
    """The reason recorded on the aggregate's first event, as the event store holds it."""
    with psycopg.connect(server.env["IDGOV_DATABASE_URL"]) as conn:
        row = conn.execute(
            f"SELECT state FROM {EventStore.name}_events WHERE originator_id = %s"
            " ORDER BY originator_version LIMIT 1",
            (aggregate_id,),
        ).fetchone()
    assert row is not None
    reason: str | None = json.loads(bytes(row[0]))["context"].get("reason")
    return reason


def test_a_reason_is_kept_as_written_or_refused(
    client: httpx.Client, server: Server, known: dict[str, Any]
) -> None:
    """UTF-8, up to 1,000 characters; never garbled, never cut."""
    written = "Zugang für Jörg — 承認済み"
    created = client.post(ORGS, json={"name": "Reasoned"}, headers={REASON: written.encode()})
    assert created.status_code == 201
    assert _stored_reason(server, created.json()["id"]) == written
    longest = "ä" * 1000
    created = client.post(ORGS, json={"name": "Long reason"}, headers={REASON: longest.encode()})
    assert created.status_code == 201
    assert _stored_reason(server, created.json()["id"]) == longest

    for header, code in ((b"x" * 1001, "too_long"), (b"J\xf6rg", "invalid_encoding")):
        with nothing_changes(everything, client, known):
            response = client.post(ORGS, json={"name": "Refused"}, headers={REASON: header})
        assert response.status_code == 422
        assert response.json()["errors"] == [{"field": REASON, "code": code}]


def test_at_least_as_fresh_needs_a_token(client: httpx.Client) -> None:
    response = client.get(ORGS, headers={CONSISTENCY: "at_least_as_fresh"})
    assert response.status_code == 400
    assert response.json()["code"] == "consistency_token_required"


@pytest.mark.parametrize(
    ("headers", "field"),
    [({CONSISTENCY: "eventually"}, CONSISTENCY), ({TOKEN: "soon"}, TOKEN)],
)
def test_malformed_consistency_headers(
    client: httpx.Client, headers: dict[str, str], field: str
) -> None:
    response = client.get(ORGS, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    "headers",
    [{CONSISTENCY: "eventually"}, {TOKEN: "soon"}, {CONSISTENCY: "at_least_as_fresh"}],
)
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (CHECK, {"permission_slug": "apps:read", "resource_id": "authz_resource_x"}),
        (BATCH_CHECK, {"checks": [{"organization_membership_id": UNKNOWN_MEMBERSHIP}]}),
    ],
)
def test_checks_refuse_consistency_headers_as_every_read_does(
    client: httpx.Client, headers: dict[str, str], path: str, body: Any
) -> None:
    read = client.get(ORGS, headers=headers)
    checked = client.post(path, headers=headers, json=body)
    assert read.status_code in (400, 422)
    assert (checked.status_code, checked.json()) == (read.status_code, read.json())


@pytest.mark.parametrize(
    ("content", "status", "expected"),
    [
        (b"", 422, validation_error(("body", "required"))),
        (b'{"permission_slug": "apps:read",', 400, None),
        (b'["apps:read"]', 422, validation_error(("body", "invalid_type"))),
        (
            b'{"resource_id": "authz_resource_x"}',
            422,
            validation_error(("permission_slug", "required")),
        ),
        (
            b'{"permission_slug": "apps:read", "resource_id": "r", "colour": "red"}',
            422,
            validation_error(("colour", "unknown_field")),
        ),
    ],
)
def test_a_check_validates_its_body_as_declared_bodies_are(
    client: httpx.Client, content: bytes, status: int, expected: dict[str, Any] | None
) -> None:
    response = client.post(CHECK, content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    if expected is None:
        expected = {"code": "invalid_json", "message": "The request body is not valid JSON."}
    assert response.json() == expected


# --------------------------------------------------------------- authentication --

ENDPOINTS = [
    ("GET", ORGS),
    ("POST", ORGS),
    ("GET", USERS),
    ("POST", USERS),
    ("GET", f"{USERS}/external_id/x"),
    ("PUT", f"{USERS}/{UNKNOWN['user']}"),
    ("DELETE", f"{USERS}/{UNKNOWN['user']}"),
    ("GET", f"{MEMBERSHIPS}?organization_id=org_x"),
    ("POST", MEMBERSHIPS),
    ("PUT", f"{MEMBERSHIPS}/{UNKNOWN_MEMBERSHIP}/deactivate"),
    ("DELETE", f"{MEMBERSHIPS}/{UNKNOWN_MEMBERSHIP}"),
    ("POST", CHECK),  # its body is malformed too: a request without a key learns nothing
    ("POST", BATCH_CHECK),
]


@pytest.mark.parametrize(
    "authorization", [None, "Bearer sk_test_wrong0000000000000000", "Basic dXNlcjpwYXNz", "Bearer"]
)
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_requests_without_a_valid_key_are_refused(
    server: Server,
    client: httpx.Client,
    known: dict[str, Any],
    method: str,
    path: str,
    authorization: str | None,
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    with (
        nothing_changes(everything, client, known),
        httpx.Client(base_url=server.base_url) as anonymous,
    ):
        body = {"name": "x", "email": "x@example.com"} if method in ("POST", "PUT") else None
        response = anonymous.request(method, path, headers=headers, json=body)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert TOKEN not in response.headers


# ------------------------------------------------------------------ bad bodies --

BODY_ENDPOINTS = [
    ("POST", ORGS),
    ("PUT", ORGS + "/{org}"),
    ("POST", USERS),
    ("PUT", USERS + "/{user}"),
    ("POST", MEMBERSHIPS),
    ("PUT", MEMBERSHIPS + "/{membership}"),
]


def _path(template: str, known: dict[str, Any]) -> str:
    return template.format(
        org=known["org"]["id"], user=known["user"]["id"], membership=known["membership"]["id"]
    )


@pytest.mark.parametrize("payload", ['{"name": "x",', "name=x", "{'name': 'x'}"])
@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
def test_malformed_json(
    client: httpx.Client, known: dict[str, Any], method: str, path: str, payload: str
) -> None:
    with nothing_changes(everything, client, known):
        response = client.request(
            method,
            _path(path, known),
            content=payload,
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_json",
        "message": "The request body is not valid JSON.",
    }


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
def test_a_body_that_is_not_an_object(
    client: httpx.Client, known: dict[str, Any], method: str, path: str
) -> None:
    with nothing_changes(everything, client, known):
        response = client.request(method, _path(path, known), json=["name"])
    assert response.status_code == 422
    assert response.json() == validation_error(("body", "invalid_type"))


@pytest.mark.parametrize(
    ("path", "body", "errors"),
    [
        (ORGS, None, [("body", "required")]),
        (ORGS, {}, [("name", "required")]),
        (USERS, {"first_name": "No email"}, [("email", "required")]),
        (MEMBERSHIPS, {}, [("user_id", "required"), ("organization_id", "required")]),
        (MEMBERSHIPS, {"user_id": "user_x"}, [("organization_id", "required")]),
    ],
)
def test_missing_fields(
    client: httpx.Client, known: dict[str, Any], path: str, body: Any, errors: list[Any]
) -> None:
    with nothing_changes(everything, client, known):
        response = client.post(path, json=body) if body is not None else client.post(path)
    assert response.status_code == 422
    assert response.json() == validation_error(*errors)


WRONG = [
    ("POST", ORGS, {"name": 5}, [("name", "invalid_type")]),
    ("POST", ORGS, {"name": ""}, [("name", "too_short")]),
    ("POST", ORGS, {"name": "x", "metadata": ["a"]}, [("metadata", "invalid_type")]),
    (
        "POST",
        ORGS,
        {"name": "x", "domain_data": [{"domain": "a.io", "state": "maybe"}]},
        [("domain_data.0.state", "invalid_value")],
    ),
    (
        "PUT",
        ORGS + "/{org}",
        {"name": None, "allow_profiles_outside_organization": "often"},
        [("allow_profiles_outside_organization", "invalid_type")],
    ),
    ("POST", USERS, {"email": 5}, [("email", "invalid_type")]),
    ("POST", USERS, {"email": "not-an-address"}, [("email", "invalid_format")]),
    (
        "POST",
        USERS,
        {"email": "a@example.com", "email_verified": "maybe"},
        [("email_verified", "invalid_type")],
    ),
    (
        "POST",
        USERS,
        {"email": "a@example.com", "metadata": {"k": 1}},
        [("metadata.k", "invalid_type")],
    ),
    (
        "POST",
        USERS,
        {"email": "a@example.com", "external_id": "has space"},
        [("external_id", "invalid_format")],
    ),
    ("PUT", USERS + "/{user}", {"email": "nope"}, [("email", "invalid_format")]),
    ("PUT", USERS + "/{user}", {"first_name": ["Ada"]}, [("first_name", "invalid_type")]),
    (
        "POST",
        MEMBERSHIPS,
        {"user_id": 1, "organization_id": "{org}"},
        [("user_id", "invalid_type")],
    ),
    (
        "POST",
        MEMBERSHIPS,
        {"user_id": "{user}", "organization_id": "{org}", "role_slug": "Admin"},
        [("role_slug", "invalid_format")],
    ),
    (
        "POST",
        MEMBERSHIPS,
        {"user_id": "{user}", "organization_id": "{org}", "role_slugs": "admin"},
        [("role_slugs", "invalid_type")],
    ),
    (
        "POST",
        MEMBERSHIPS,
        {"user_id": "{user}", "organization_id": "{org}", "role_slugs": []},
        [("role_slugs", "too_short")],
    ),
    (
        "PUT",
        MEMBERSHIPS + "/{membership}",
        {"role_slugs": ["a", "a"]},
        [("role_slugs", "duplicate_value")],
    ),
    (
        "PUT",
        MEMBERSHIPS + "/{membership}",
        {"role_slug": "x" * 65},
        [("role_slug", "invalid_format")],
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "errors"), WRONG)
def test_wrong_values(
    client: httpx.Client, known: dict[str, Any], method: str, path: str, body: Any, errors: Any
) -> None:
    body = {k: _path(v, known) if isinstance(v, str) else v for k, v in body.items()}
    with nothing_changes(everything, client, known):
        response = client.request(method, _path(path, known), json=body)
    assert response.status_code == 422, response.text
    assert response.json() == validation_error(*errors)


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", ORGS, {"name": "x", "nmae": "y"}, "nmae"),
        ("PUT", ORGS + "/{org}", {"colour": "red"}, "colour"),
        ("POST", USERS, {"email": "u@example.com", "firstName": "Ada"}, "firstName"),
        ("PUT", USERS + "/{user}", {"locale": "en", "email": "x@example.com"}, "locale"),
        (
            "POST",
            MEMBERSHIPS,
            {"user_id": "{user}", "organization_id": "{org}", "role": "a"},
            "role",
        ),
        ("PUT", MEMBERSHIPS + "/{membership}", {"status": "inactive"}, "status"),
    ],
)
def test_unknown_fields(
    client: httpx.Client, known: dict[str, Any], method: str, path: str, body: Any, field: str
) -> None:
    body = {k: _path(v, known) if isinstance(v, str) else v for k, v in body.items()}
    with nothing_changes(everything, client, known):
        response = client.request(method, _path(path, known), json=body)
    assert response.status_code == 422, response.text
    if field == "locale":  # a WorkOS field idgov does not keep
        assert response.json() == validation_error(("locale", "field_not_supported"))
    else:
        assert response.json() == validation_error((field, "unknown_field"))


@pytest.mark.parametrize(
    "body",
    [
        {"password": "hunter2"},
        {"password_hash": "$2b$10$abc", "password_hash_type": "bcrypt"},
    ],
)
@pytest.mark.parametrize(("method", "path"), [("POST", USERS), ("PUT", USERS + "/{user}")])
def test_passwords_are_refused(
    client: httpx.Client, known: dict[str, Any], method: str, path: str, body: dict[str, str]
) -> None:
    with nothing_changes(everything, client, known):
        response = client.request(
            method, _path(path, known), json={"email": f"{unique('pw')}@example.com", **body}
        )
    assert response.status_code == 422
    assert response.json() == validation_error(*((f, "password_not_supported") for f in body))


# ------------------------------------------------------------------ unknown ids --

NOT_FOUND = [
    ("GET", f"{ORGS}/{UNKNOWN['org']}", None),
    ("GET", f"{ORGS}/external_id/nobody", None),
    ("PUT", f"{ORGS}/{UNKNOWN['org']}", {"name": "x"}),
    ("DELETE", f"{ORGS}/{UNKNOWN['org']}", None),
    ("GET", f"{USERS}/{UNKNOWN['user']}", None),
    ("GET", f"{USERS}/external_id/nobody", None),
    ("PUT", f"{USERS}/{UNKNOWN['user']}", {"first_name": "x"}),
    ("DELETE", f"{USERS}/{UNKNOWN['user']}", None),
    ("GET", f"{MEMBERSHIPS}/{UNKNOWN_MEMBERSHIP}", None),
    ("PUT", f"{MEMBERSHIPS}/{UNKNOWN_MEMBERSHIP}", {"role_slug": "admin"}),
    ("PUT", f"{MEMBERSHIPS}/{UNKNOWN_MEMBERSHIP}", {}),
    ("PUT", f"{MEMBERSHIPS}/{UNKNOWN_MEMBERSHIP}/deactivate", None),
    ("PUT", f"{MEMBERSHIPS}/{UNKNOWN_MEMBERSHIP}/reactivate", None),
    ("DELETE", f"{MEMBERSHIPS}/{UNKNOWN_MEMBERSHIP}", None),
    ("POST", MEMBERSHIPS, {"user_id": UNKNOWN["user"], "organization_id": "{org}"}),
    ("POST", MEMBERSHIPS, {"user_id": "{user}", "organization_id": UNKNOWN["org"]}),
    # A membership's id is not a user's, nor the other way round.
    ("GET", f"{USERS}/{{membership}}", None),
    ("PUT", f"{MEMBERSHIPS}/{{user}}/deactivate", None),
]


@pytest.mark.parametrize(("method", "path", "body"), NOT_FOUND)
def test_unknown_ids(
    client: httpx.Client, known: dict[str, Any], method: str, path: str, body: Any
) -> None:
    if body is not None:
        body = {k: _path(v, known) for k, v in body.items()}
    with nothing_changes(everything, client, known):
        response = client.request(method, _path(path, known), json=body)
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "entity_not_found"
    assert "not found" in response.json()["message"]


# ------------------------------------------------------------------- duplicates --

DUPLICATES = [
    ("POST", ORGS, {"name": "x", "external_id": "{org_external_id}"}, "external_id_already_exists"),
    (
        "PUT",
        ORGS + "/{other_org}",
        {"external_id": "{org_external_id}"},
        "external_id_already_exists",
    ),
    ("POST", USERS, {"email": "{email}"}, "email_not_available"),
    ("POST", USERS, {"email": "{email_upper}"}, "email_not_available"),
    (
        "POST",
        USERS,
        {"email": "new-{n}@example.com", "external_id": "{user_external_id}"},
        "external_id_already_exists",
    ),
    ("PUT", USERS + "/{other_user}", {"email": "{email}"}, "email_not_available"),
    (
        "PUT",
        USERS + "/{other_user}",
        {"external_id": "{user_external_id}"},
        "external_id_already_exists",
    ),
    (
        "POST",
        MEMBERSHIPS,
        {"user_id": "{user}", "organization_id": "{org}"},
        "organization_membership_already_exists",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "code"), DUPLICATES)
def test_duplicates_conflict(
    client: httpx.Client, known: dict[str, Any], method: str, path: str, body: Any, code: str
) -> None:
    other_org = client.post(ORGS, json={"name": "Other"}).json()["id"]
    other_user = client.post(USERS, json={"email": f"{unique('other')}@example.com"}).json()["id"]
    values = {
        "org": known["org"]["id"],
        "user": known["user"]["id"],
        "other_org": other_org,
        "other_user": other_user,
        "org_external_id": known["org"]["external_id"],
        "user_external_id": known["user"]["external_id"],
        "email": known["user"]["email"],
        "email_upper": known["user"]["email"].upper(),
        "n": secrets.token_hex(3),
    }
    body = {k: v.format(**values) for k, v in body.items()}
    with nothing_changes(everything, client, known):
        response = client.request(method, path.format(**values), json=body)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == code
    assert response.json()["message"]


# ------------------------------------------------------------ mutually exclusive --


@pytest.mark.parametrize(
    ("method", "path"), [("POST", MEMBERSHIPS), ("PUT", MEMBERSHIPS + "/{membership}")]
)
def test_role_slug_and_role_slugs_are_mutually_exclusive(
    client: httpx.Client, known: dict[str, Any], method: str, path: str
) -> None:
    fresh_user = client.post(USERS, json={"email": f"{unique('mx')}@example.com"}).json()["id"]
    body = {"role_slug": "admin", "role_slugs": ["viewer"]}
    if method == "POST":
        body |= {"user_id": fresh_user, "organization_id": known["org"]["id"]}
    with nothing_changes(everything, client, known):
        response = client.request(method, _path(path, known), json=body)
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_request_parameters",
        "message": "Send either 'role_slug' or 'role_slugs', not both.",
        "errors": [
            {"field": "role_slug", "code": "mutually_exclusive"},
            {"field": "role_slugs", "code": "mutually_exclusive"},
        ],
    }


# ------------------------------------------------------------------ bad queries --


@pytest.mark.parametrize("path", [ORGS, USERS, f"{MEMBERSHIPS}?organization_id=org_x"])
@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"limit": 0}, [("limit", "out_of_range")]),
        ({"limit": 101}, [("limit", "out_of_range")]),
        ({"limit": "ten"}, [("limit", "invalid_type")]),
        ({"order": "sideways"}, [("order", "invalid_value")]),
        ({"before": "a", "after": "b"}, [("before", "mutually_exclusive")]),
    ],
)
def test_bad_pagination(
    client: httpx.Client, path: str, params: dict[str, Any], errors: list[Any]
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": f, "code": c} for f, c in errors]


def test_memberships_need_a_user_or_an_organization(client: httpx.Client) -> None:
    response = client.get(MEMBERSHIPS, params={"statuses": "active"})
    assert response.status_code == 400
    assert response.json() == {
        "code": "missing_user_id_or_organization_id",
        "message": "Send 'user_id', 'organization_id' or both.",
    }


@pytest.mark.parametrize("statuses", ["archived", "active,deleted", "ACTIVE"])
def test_unknown_statuses(client: httpx.Client, known: dict[str, Any], statuses: str) -> None:
    response = client.get(
        MEMBERSHIPS, params={"organization_id": known["org"]["id"], "statuses": statuses}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "statuses", "code": "invalid_value"}]


def test_users_take_organization_or_organization_id_not_two_different(
    client: httpx.Client, known: dict[str, Any]
) -> None:
    org = known["org"]["id"]
    response = client.get(USERS, params={"organization_id": org, "organization": "org_other"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "organization", "code": "mutually_exclusive"}]
    same = client.get(USERS, params={"organization_id": org, "organization": org})
    assert [u["id"] for u in same.json()["data"]] == [known["user"]["id"]]


def test_unknown_routes_and_methods(client: httpx.Client) -> None:
    missing = client.get("/user_management/nothing_here")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    wrong_method = client.patch(USERS)
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (405, "method_not_allowed")


def test_the_checks_are_documented_as_routes_with_dependencies_are(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    discovery = paths[
        "/authorization/organization_memberships/{organization_membership_id}/resources"
    ]
    for path in (
        "/authorization/organization_memberships/{organization_membership_id}/check",
        BATCH_CHECK,
    ):
        check = paths[path]["post"]
        assert check["security"] == discovery["get"]["security"]
        headers = {p["name"] for p in check["parameters"] if p["in"] == "header"}
        read_headers = {p["name"] for p in discovery["get"]["parameters"] if p["in"] == "header"}
        assert headers == read_headers >= {CONSISTENCY, TOKEN}
        body = check["requestBody"]["content"]["application/json"]["schema"]
        assert "$ref" not in str(body)  # whole, with no reference left dangling
        assert body["required"] in (["permission_slug"], ["checks"])
