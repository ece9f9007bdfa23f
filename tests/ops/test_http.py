"""HTTP on a real server: errors that keep the connection, method semantics (HEAD, OPTIONS,
405 with the path's methods) and the headers every answer carries."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from app.config import PROJECT_ROOT
from app.main import create_app
from app.ops.logging import JsonFormatter
from tests.conftest import make_settings
from tests.live import LiveServer, free_port
from tests.problems import assert_problem

UI_ORIGIN = "https://ui.example"
DOCUMENT: dict[str, Any] = json.loads((PROJECT_ROOT / "openapi" / "openapi.json").read_text())
ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def a_path(template: str) -> str:
    """The template with every parameter filled in (an id that exists nowhere)."""
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), template)


def expected_allow(template: str) -> set[str]:
    documented = {method.upper() for method in DOCUMENT["paths"][template]}
    return documented | {"OPTIONS"} | ({"HEAD"} if "GET" in documented else set())


def allow_of(response: httpx.Response) -> set[str]:
    return {method.strip() for method in response.headers["allow"].split(",")}


def connection_of(response: httpx.Response) -> object:
    """The client's end of the TCP connection the answer came on (while it is open)."""
    return response.extensions["network_stream"].get_extra_info("client_addr")


def one_connection() -> httpx.Limits:
    return httpx.Limits(max_connections=1, max_keepalive_connections=1)


@pytest.fixture(scope="module")
def no_database() -> Iterator[str]:
    """A live server whose database is a closed port, with CORS on and a route that fails."""
    settings = make_settings(
        f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere",
        cors_origins=[UI_ORIGIN],
        import_worker_enabled=False,
        change_feed_retention_days=0,
        db_connect_timeout_seconds=1.0,
    )
    app: FastAPI = create_app(settings)

    @app.get("/api/v1/boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("a bug")

    @app.get("/api/v1/half", include_in_schema=False)
    async def half() -> StreamingResponse:
        async def rows() -> AsyncIterator[bytes]:
            yield b"first row\n"
            raise RuntimeError("failed mid-stream")

        return StreamingResponse(rows(), media_type="text/plain")

    with LiveServer(app) as server:
        yield server.url


def login(client: httpx.Client) -> httpx.Response:
    return client.post(
        "/api/v1/auth/token", data={"username": "nobody@example.com", "password": "whatever-pw"}
    )


class TestErrorsKeepTheConnection:
    def test_503_and_500_are_problems_on_the_same_keep_alive_connection(
        self, no_database: str
    ) -> None:
        with httpx.Client(base_url=no_database, limits=one_connection(), timeout=30) as client:
            down = login(client)
            body = assert_problem(down, 503, "database_unavailable")
            assert body["status"] == 503
            assert int(down.headers["retry-after"]) > 0
            bug = client.get("/api/v1/boom")
            assert_problem(bug, 500, "internal_error")
            assert "a bug" not in bug.text
            after = client.get("/health/live")
            assert after.status_code == 200
            # One connection served all three: the server closed nothing after the failures.
            assert connection_of(down) == connection_of(bug) == connection_of(after)

    def test_the_access_log_and_the_metrics_record_the_status_sent(
        self, no_database: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.handler.setFormatter(JsonFormatter())
        caplog.set_level(logging.INFO)
        with httpx.Client(base_url=no_database, timeout=30) as client:
            before = client.get("/metrics").text
            down = login(client)
            bug = client.get("/api/v1/boom")
            after = client.get("/metrics").text
        assert down.status_code == 503 and bug.status_code == 500
        access = [
            json.loads(line)
            for line in caplog.text.splitlines()
            if line.startswith("{") and json.loads(line)["logger"] == "app.access"
        ]
        by_path = {(entry["path"], entry["status"]) for entry in access}
        assert ("/api/v1/auth/token", 503) in by_path
        assert ("/api/v1/auth/token", 500) not in by_path
        assert ("/api/v1/boom", 500) in by_path
        sample = 'http_requests_total{method="POST",route="/api/v1/auth/token",status="503"}'
        assert counter(after, sample) == counter(before, sample) + 1
        assert 'route="/api/v1/auth/token",status="500"' not in after
        # The bug is logged once, with the request id the client was given, and not again
        # by the server.
        errors = [
            json.loads(line)
            for line in caplog.text.splitlines()
            if line.startswith("{") and json.loads(line)["level"] == "ERROR"
        ]
        assert [entry["request_id"] for entry in errors] == [bug.headers["x-request-id"]]
        assert "RuntimeError: a bug" in errors[0]["exception"]

    def test_a_failure_after_the_answer_started_cuts_that_answer_short_and_logs_once(
        self, no_database: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO)
        with httpx.Client(base_url=no_database, timeout=30) as client:
            with pytest.raises(httpx.RemoteProtocolError):
                client.get("/api/v1/half")
            # The client can tell the body is incomplete; the next request gets a new one.
            assert client.get("/health/live").status_code == 200
        failures = [r for r in caplog.records if r.exc_info is not None]
        assert len(failures) == 1
        assert "failed mid-stream" in str(failures[0].exc_info[1] if failures[0].exc_info else "")

    def test_a_cors_caller_can_read_the_503(self, no_database: str) -> None:
        down = httpx.post(
            f"{no_database}/api/v1/auth/token",
            data={"username": "nobody@example.com", "password": "whatever-pw"},
            headers={"Origin": UI_ORIGIN},
            timeout=30,
        )
        assert_problem(down, 503, "database_unavailable")
        assert down.headers["access-control-allow-origin"] == UI_ORIGIN


def counter(metrics: str, sample: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(sample + " "):
            return float(line.split()[-1])
    return 0.0


class TestMethods:
    def test_head_answers_like_get_without_a_body_on_every_get_route(
        self, live_api: tuple[str, dict[str, str]]
    ) -> None:
        url, auth = live_api
        templates = [t for t, ops in DOCUMENT["paths"].items() if "get" in ops]
        assert len(templates) > 40
        with httpx.Client(base_url=url, headers=auth, timeout=30) as client:
            for template in [*templates, "/docs", "/redoc", "/openapi.json"]:
                path = a_path(template)
                got = client.get(path)
                head = client.head(path)
                assert head.status_code == got.status_code, (template, head.status_code)
                assert head.content == b"", template
                assert head.headers.get("content-type") == got.headers.get("content-type")

    def test_head_carries_the_get_headers(self, live_api: tuple[str, dict[str, str]]) -> None:
        url, auth = live_api
        got = httpx.get(f"{url}/api/v1/me", headers=auth)
        head = httpx.head(f"{url}/api/v1/me", headers=auth)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == got.headers["content-length"]
        assert head.headers.get("etag") == got.headers.get("etag")

    def test_options_names_every_method_of_the_path(
        self, live_api: tuple[str, dict[str, str]]
    ) -> None:
        url, _ = live_api
        with httpx.Client(base_url=url, timeout=30) as client:
            for template in DOCUMENT["paths"]:
                answer = client.options(a_path(template))
                assert answer.status_code == 204, (template, answer.status_code)
                assert allow_of(answer) == expected_allow(template), template
                assert answer.content == b""
        enterprises = httpx.options(f"{url}/api/v1/enterprises")
        assert allow_of(enterprises) == {"GET", "HEAD", "POST", "OPTIONS"}

    def test_405_names_every_method_of_the_path(self, live_api: tuple[str, dict[str, str]]) -> None:
        url, auth = live_api
        with httpx.Client(base_url=url, headers=auth, timeout=30) as client:
            for template in DOCUMENT["paths"]:
                allowed = expected_allow(template)
                method = next(m for m in ("PUT", "PATCH", "DELETE", "POST") if m not in allowed)
                answer = client.request(method, a_path(template))
                assert_problem(answer, 405, "method_not_allowed")
                assert allow_of(answer) == allowed, (template, answer.headers["allow"])

    def test_a_literal_path_is_not_taken_for_a_parameter(
        self, live_api: tuple[str, dict[str, str]]
    ) -> None:
        # /imports/enterprises is a path of its own (POST), not the job {job_id}="enterprises".
        url, auth = live_api
        answer = httpx.get(f"{url}/api/v1/imports/enterprises", headers=auth)
        assert_problem(answer, 405, "method_not_allowed")
        assert allow_of(answer) == {"POST", "OPTIONS"}

    def test_cors_preflight_is_still_answered_by_cors(self, no_database: str) -> None:
        preflight = httpx.options(
            f"{no_database}/api/v1/enterprises",
            headers={
                "Origin": UI_ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 200, preflight.text
        assert preflight.headers["access-control-allow-origin"] == UI_ORIGIN
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert preflight.headers["x-content-type-options"] == "nosniff"


class TestHeaders:
    def answers(self, url: str, auth: dict[str, str]) -> dict[str, httpx.Response]:
        with httpx.Client(base_url=url, timeout=30) as client:
            created = client.post("/api/v1/api-keys", headers=auth, json={"name": "headers test"})
            assert created.status_code == 201, created.text
            return {
                "token": client.post(
                    "/api/v1/auth/token",
                    data={"username": "live-admin@example.com", "password": "live-admin-password"},
                ),
                "created key": created,
                "deleted key": client.delete(
                    f"/api/v1/api-keys/{created.json()['id']}", headers=auth
                ),
                "me": client.get("/api/v1/me", headers=auth),
                "unauthenticated": client.get("/api/v1/me"),
                "not found": client.get("/api/v1/nowhere"),
                "options": client.options("/api/v1/users"),
                "405": client.put("/api/v1/me", headers=auth),
                "live": client.get("/health/live"),
                "docs": client.get("/docs"),
                "asset": client.get("/static/swagger-ui/swagger-ui.css"),
            }

    def test_every_answer_forbids_sniffing_and_referrers_and_names_no_server(
        self, live_api: tuple[str, dict[str, str]]
    ) -> None:
        for name, answer in self.answers(*live_api).items():
            assert answer.headers.get("x-content-type-options") == "nosniff", name
            assert answer.headers.get("referrer-policy") == "no-referrer", name
            assert "server" not in answer.headers, name

    def test_api_answers_are_never_stored(self, live_api: tuple[str, dict[str, str]]) -> None:
        answers = self.answers(*live_api)
        assert answers["token"].status_code == 200
        assert answers["token"].json()["access_token"]
        for name in ("token", "created key", "deleted key", "me", "unauthenticated", "405"):
            assert answers[name].headers.get("cache-control") == "no-store", name

    def test_204_answers_carry_no_content_headers(
        self, live_api: tuple[str, dict[str, str]]
    ) -> None:
        answers = self.answers(*live_api)
        for name in ("deleted key", "options"):
            answer = answers[name]
            assert answer.status_code == 204, name
            assert answer.content == b""
            assert "content-type" not in answer.headers, name
            assert "content-length" not in answer.headers, name

    def test_the_docs_render_offline_with_these_headers(
        self, live_api: tuple[str, dict[str, str]]
    ) -> None:
        url, _ = live_api
        kinds = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
        for page in ("/docs", "/redoc"):
            html = httpx.get(f"{url}{page}")
            assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
            assert "content-security-policy" not in html.headers
            assets = re.findall(r"""(?:src|href)=["'](/static/[^"']+)["']""", html.text)
            assert assets, page
            for asset in assets:
                answer = httpx.get(f"{url}{asset}")
                assert answer.status_code == 200, asset
                # nosniff makes a browser refuse a script or style sent under another type.
                suffix = asset[asset.rindex(".") :]
                assert kinds[suffix] in answer.headers["content-type"], asset
            assert httpx.get(f"{url}/openapi.json").status_code == 200
