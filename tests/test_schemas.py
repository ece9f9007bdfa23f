"""Dates are written out: what the document promises (a pattern) is what the service checks."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from app.config import PROJECT_ROOT
from app.schemas import DATE_PATTERN, DATETIME_PATTERN


class TestCalendarDates:
    @pytest.mark.parametrize(
        ("path", "query", "status"),
        [
            ("/api/v1/activities", {"to": "0"}, 422),  # was read as the Unix epoch
            ("/api/v1/activities", {"to": "1700000000"}, 422),
            ("/api/v1/activities", {"to": "0322-07-22"}, 422),  # outside the documented years
            ("/api/v1/audit-events", {"occurred_to": "0.5"}, 422),
            ("/api/v1/audit-events", {"occurred_from": "3900-01-31T16:51:44Z"}, 422),
            ("/api/v1/activities", {"to": "2026-01-01"}, 200),
            ("/api/v1/audit-events", {"occurred_to": "2026-01-01T08:00:00+08:00"}, 200),
        ],
    )
    def test_only_a_written_out_date_in_the_years_is_accepted(
        self, live_api: tuple[str, dict[str, str]], path: str, query: dict[str, str], status: int
    ) -> None:
        base_url, headers = live_api
        response = httpx.get(f"{base_url}{path}", params=query, headers=headers)
        assert response.status_code == status, response.text
        if status == 422:
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["errors"][0]["loc"][:2] == ["query", next(iter(query))]

    def test_the_document_states_the_pattern(self) -> None:
        document = json.loads((PROJECT_ROOT / "openapi" / "openapi.json").read_text())
        text = json.dumps(document)
        assert json.dumps(DATE_PATTERN) in text
        assert json.dumps(DATETIME_PATTERN) in text
        assert re.match(DATE_PATTERN, "2200-12-31")
        assert not re.match(DATE_PATTERN, "2201-01-01")


class TestWholeNumbers:
    """The document's `integer` is what the service takes: 2.0 is 2; true and "2" are not."""

    def test_a_grade_is_an_integer_of_the_document(
        self, live_api: tuple[str, dict[str, str]], live_enterprise: str
    ) -> None:
        url, headers = live_api
        document = json.loads((PROJECT_ROOT / "openapi" / "openapi.json").read_text())
        stated = document["components"]["schemas"]["AchievementUpdate"]["properties"]["grade"]
        assert stated["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": 3}
        created = httpx.post(
            f"{url}/api/v1/achievements",
            headers=headers,
            json={
                "kind": "competition_award",
                "enterprise_id": live_enterprise,
                "achieved_on": "2025-09-20",
                "amount": "1000.00",
                "grade": 1,
            },
        )
        assert created.status_code == 201, created.text
        achievement = f"{url}/api/v1/achievements/{created.json()['id']}"
        for grade in (True, "2", 0, 2.5):
            refused = httpx.patch(achievement, headers=headers, json={"grade": grade})
            assert refused.status_code == 422, (grade, refused.text)
        changed = httpx.patch(achievement, headers=headers, json={"grade": 2.0})
        assert changed.status_code == 200, changed.text
        assert changed.json()["grade"] == 2
