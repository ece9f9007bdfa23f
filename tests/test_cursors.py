"""Cursors the service can verify: on a live server, every list in the OpenAPI document
refuses a cursor it did not hand out with 422 `invalid_cursor` (never a 500), and the cursors
it did hand out still page through the list."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx

from app.config import PROJECT_ROOT
from app.pagination import CursorSigner
from tests.conftest import TEST_SECRET
from tests.problems import assert_problem

# GET operations with a `cursor` parameter when this test was written; more is fine.
KNOWN_LISTS = 31


def _b64(value: Any) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _crafted(real: str) -> list[str]:
    """Cursors the service never handed out: the raw shapes that used to reach the SQL, a
    real cursor altered, and one signed with another secret."""
    payload, _, mac = real.partition(".")
    altered = _b64(["2026-01-01T00:00:00+00:00", str(uuid.uuid4())]) + "." + mac
    return [
        _b64([None, None]),
        _b64([1, 2]),
        _b64([1, 2, 3]),
        _b64(["x"]),
        _b64([{"dt": "2026-01-01T00:00:00+00:00"}, {"u": str(uuid.uuid4())}]),
        _b64({"a": 1}),
        "not-a-cursor",
        "%%%",
        payload,
        altered,
        f"{payload}.{mac[:-2]}",
        CursorSigner.for_secret("another-secret", "/api/v1/users?").encode([1, 2]),
    ]


def _example(schema: dict[str, Any], components: dict[str, Any]) -> str:
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if "enum" in schema:
        return str(schema["enum"][0])
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema.get("type") == "integer":
        return "2026"
    return "x"


def _lists() -> list[tuple[str, dict[str, str], str]]:
    """(path with its parameters filled, required query parameters, cursor parameter name)."""
    document = json.loads((PROJECT_ROOT / "openapi" / "openapi.json").read_text())
    components = document["components"]["schemas"]
    found = []
    for template, operations in document["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        parameters = operation.get("parameters", [])
        if not any(p["name"] == "cursor" and p["in"] == "query" for p in parameters):
            continue
        path = template
        query: dict[str, str] = {}
        for p in parameters:
            if p["in"] == "path":
                path = path.replace("{" + p["name"] + "}", _example(p["schema"], components))
            elif p["in"] == "query" and p.get("required"):
                query[p["name"]] = _example(p["schema"], components)
        found.append((path, query, "cursor"))
        if any(p["name"] == "after" and p["in"] == "query" for p in parameters):
            found.append((path, query, "after"))
    return found


def _users(base_url: str, headers: dict[str, str], count: int) -> None:
    for _ in range(count):
        response = httpx.post(
            f"{base_url}/api/v1/users",
            headers=headers,
            json={
                "email": f"cursor-{uuid.uuid4().hex[:10]}@example.com",
                "password": "long-enough-pw",
                "role": "manager",
            },
        )
        assert response.status_code == 201, response.text


def _walk(base_url: str, headers: dict[str, str], path: str) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    with httpx.Client(base_url=base_url, headers=headers) as client:
        while True:
            params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
            page = client.get(path, params=params)
            assert page.status_code == 200, page.text
            ids += [item["id"] for item in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                return ids


class TestCursors:
    def test_every_list_refuses_a_cursor_it_did_not_hand_out(
        self, live_api: tuple[str, dict[str, str]]
    ) -> None:
        base_url, headers = live_api
        _users(base_url, headers, 2)
        with httpx.Client(base_url=base_url, headers=headers) as client:
            real = client.get("/api/v1/users", params={"limit": 1}).json()["next_cursor"]
            assert real is not None
            crafted = _crafted(real)
            # A real cursor of another list (or the same list with other filters) is not
            # this list's.
            crafted.append(real)
            lists = _lists()
            assert len(lists) >= KNOWN_LISTS + 1
            reached: set[tuple[str, str]] = set()
            for path, query, name in lists:
                for cursor in crafted:
                    if path == "/api/v1/users" and cursor == real:
                        continue
                    response = client.get(path, params={**query, name: cursor})
                    assert response.status_code == 422, (path, name, cursor, response.text)
                    assert_problem(response, 422, "invalid_cursor")
                    reached.add((path, name))
            assert len(reached) == len(lists)
            filtered = client.get("/api/v1/users", params={"cursor": real, "role": "manager"})
            assert_problem(filtered, 422, "invalid_cursor")

    def test_a_change_feed_cursor_beyond_the_head_is_422(
        self, live_api: tuple[str, dict[str, str]]
    ) -> None:
        base_url, headers = live_api
        with httpx.Client(base_url=base_url, headers=headers) as client:
            unsigned = _b64([10**15, 10**15])
            signed = CursorSigner.for_secret(TEST_SECRET, "/api/v1/changes", "after")
            for cursor in (unsigned, signed.encode([10**15, 10**15])):
                for name in ("after", "cursor"):
                    response = client.get("/api/v1/changes", params={name: cursor})
                    assert_problem(response, 422, "invalid_cursor")
            head = client.get("/api/v1/changes", params={"limit": 1})
            assert head.status_code == 200, head.text
            echoed = client.get("/api/v1/changes", params={"after": head.json()["next_cursor"]})
            assert echoed.status_code == 200, echoed.text

    def test_the_cursors_handed_out_page_through_every_row_once(
        self, live_api: tuple[str, dict[str, str]]
    ) -> None:
        base_url, headers = live_api
        _users(base_url, headers, 3)
        whole = httpx.get(f"{base_url}/api/v1/users", headers=headers, params={"limit": 200})
        ids = [item["id"] for item in whole.json()["items"]]
        assert len(ids) >= 4
        assert _walk(base_url, headers, "/api/v1/users") == ids
