from __future__ import annotations

import httpx

from tests.problems import assert_problem


class TestHealth:
    async def test_live(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health/live")
        assert response.status_code == 200
        assert response.json()["status"] == "ok"

    async def test_ready_names_the_head_migration(self, client: httpx.AsyncClient) -> None:
        from app.migrations import head_revisions

        response = await client.get("/health/ready")
        assert response.status_code == 200, response.text
        assert response.json()["migration"] in head_revisions()


class TestRequestId:
    async def test_a_given_request_id_is_echoed(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
        assert response.headers["x-request-id"] == "abc-123"

    async def test_a_missing_or_unusable_id_is_generated(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health/live", headers={"X-Request-ID": "bad id\twith tab"})
        assert len(response.headers["x-request-id"]) == 32

    async def test_errors_carry_the_request_id_too(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/nowhere", headers={"X-Request-ID": "trace-404"})
        assert_problem(response, 404, "not_found")
        assert response.headers["x-request-id"] == "trace-404"


class TestMetrics:
    async def test_requests_are_counted_by_route_template(self, client: httpx.AsyncClient) -> None:
        await client.get("/api/v1/users/00000000-0000-0000-0000-000000000000")
        response = await client.get("/metrics")
        assert response.status_code == 200
        text = response.text
        assert (
            'http_requests_total{method="GET",route="/api/v1/users/{user_id}",status="401"} 1.0'
            in text
        )
        assert "http_request_duration_seconds_bucket" in text


class TestDocs:
    async def test_swagger_ui_is_served_from_bundled_assets(
        self, client: httpx.AsyncClient
    ) -> None:
        page = await client.get("/docs")
        assert page.status_code == 200
        assert "/static/swagger-ui/swagger-ui-bundle.js" in page.text
        assert "cdn" not in page.text.lower()
        bundle = await client.get("/static/swagger-ui/swagger-ui-bundle.js")
        assert bundle.status_code == 200 and len(bundle.content) > 100_000

    async def test_redoc_is_served_from_bundled_assets(self, client: httpx.AsyncClient) -> None:
        page = await client.get("/redoc")
        assert page.status_code == 200
        assert "/static/redoc/redoc.standalone.js" in page.text
        assert "fonts.googleapis" not in page.text
        bundle = await client.get("/static/redoc/redoc.standalone.js")
        assert bundle.status_code == 200 and len(bundle.content) > 100_000
