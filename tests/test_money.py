"""One money format, in and out, on a live server: plain decimal strings of ASCII digits with
at most two decimals; anything else is 422 and stores nothing; a write echoes exactly what a
later read returns."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.enterprises.test_annual_reports import report
from tests.problems import assert_problem

MONEY = ("revenue", "high_tech_revenue", "total_cost", "net_assets", "total_assets")


def _put(base_url: str, headers: dict[str, str], url: str, **figures: Any) -> httpx.Response:
    return httpx.put(f"{base_url}{url}", headers=headers, json=report(**figures))


class TestMoney:
    @pytest.mark.parametrize(
        "figures",
        [
            {"total_cost": "1E+2"},
            {"total_cost": "1e2"},
            {"total_cost": "１２３"},
            {"total_cost": "１２３.00"},
            {"total_cost": "٣"},
            {"net_assets": "-0"},
            {"net_assets": "-0.00"},
            {"total_cost": "-5.00"},
            {"total_cost": "1.005"},
            {"total_cost": " 100"},
            {"total_cost": "+100"},
            {"total_cost": "100."},
            {"total_cost": ".5"},
            {"total_cost": "NaN"},
            {"total_cost": "Infinity"},
            {"total_cost": "1_000"},
            {"total_cost": 100},
            {"total_cost": 100.5},
            {"total_cost": "12345678901234567.00"},
        ],
    )
    def test_anything_but_a_plain_decimal_string_is_422_and_stores_nothing(
        self, live_api: tuple[str, dict[str, str]], live_enterprise: str, figures: dict[str, Any]
    ) -> None:
        base_url, headers = live_api
        url = f"/api/v1/enterprises/{live_enterprise}/annual-reports/2024"
        problem = assert_problem(_put(base_url, headers, url, **figures), 422, "validation_failed")
        (field,) = figures
        assert any(field in error["loc"] for error in problem["errors"]), problem
        assert httpx.get(f"{base_url}{url}", headers=headers).status_code == 404

    def test_a_write_echoes_exactly_what_a_read_returns(
        self, live_api: tuple[str, dict[str, str]], live_enterprise: str
    ) -> None:
        base_url, headers = live_api
        url = f"/api/v1/enterprises/{live_enterprise}/annual-reports/2025"
        written = _put(
            base_url,
            headers,
            url,
            revenue="100",
            high_tech_revenue="0.5",
            total_cost="0",
            net_assets="-1250000.5",
            total_assets="0012.30",
        )
        assert written.status_code == 201, written.text
        read = httpx.get(f"{base_url}{url}", headers=headers)
        assert read.status_code == 200, read.text
        echoed = {name: written.json()[name] for name in MONEY}
        assert echoed == {
            "revenue": "100.00",
            "high_tech_revenue": "0.50",
            "total_cost": "0.00",
            "net_assets": "-1250000.50",
            "total_assets": "12.30",
        }
        assert {name: read.json()[name] for name in MONEY} == echoed

    def test_a_project_echoes_its_funding_as_read(
        self, live_api: tuple[str, dict[str, str]], live_enterprise: str
    ) -> None:
        base_url, headers = live_api
        project = {
            "enterprise_id": live_enterprise,
            "title": "油田采出水智能防腐处理技术研发",
            "level": "city",
            "programme": "克拉玛依市重大科技专项",
            "status": "in_progress",
            "approved_funding": "3000000",
            "disbursed_funding": "1000000.5",
            "start_on": "2026-01-01",
            "end_on": "2026-12-31",
        }
        refused = httpx.post(
            f"{base_url}/api/v1/projects",
            headers=headers,
            json={**project, "approved_funding": "3E+6"},
        )
        assert_problem(refused, 422, "validation_failed")
        created = httpx.post(f"{base_url}/api/v1/projects", headers=headers, json=project)
        assert created.status_code == 201, created.text
        read = httpx.get(f"{base_url}{created.headers['location']}", headers=headers)
        for answer in (created.json(), read.json()):
            assert answer["approved_funding"] == "3000000.00"
            assert answer["disbursed_funding"] == "1000000.50"
