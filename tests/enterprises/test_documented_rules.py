"""What the document states about the register's requests is what the service checks (issue 13,
the fuzz's findings): a date is written out, a name or tags are never cleared, a phone number
follows the documented pattern, and a rule across a report's fields is `inconsistent_fields`."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from app.config import PROJECT_ROOT
from app.enterprises.schemas import REPORT_EXAMPLE
from app.schemas import PHONE_PATTERN
from tests.enterprises.test_enterprises import body
from tests.problems import assert_problem

Live = tuple[str, dict[str, str]]


def _schema(name: str) -> dict[str, Any]:
    document = json.loads((PROJECT_ROOT / "openapi" / "openapi.json").read_text())
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


@pytest.fixture
def enterprise(live_api: Live) -> dict[str, Any]:
    base_url, admin = live_api
    created = httpx.post(f"{base_url}/api/v1/enterprises", headers=admin, json=body())
    assert created.status_code == 201, created.text
    return {"url": f"{base_url}/api/v1/enterprises/{created.json()['id']}", **created.json()}


class TestEnterpriseUpdate:
    def _patch(self, live_api: Live, enterprise: dict[str, Any], **fields: Any) -> httpx.Response:
        _, admin = live_api
        current = httpx.get(enterprise["url"], headers=admin)
        return httpx.patch(
            enterprise["url"],
            headers={**admin, "If-Match": current.headers["etag"]},
            json=fields,
        )

    def test_a_number_is_not_a_date(self, live_api: Live, enterprise: dict[str, Any]) -> None:
        # Was read as the Unix epoch and stored as 1970-01-01.
        refused = self._patch(live_api, enterprise, established_on=0)
        problem = assert_problem(refused, 422, "validation_failed")
        assert problem["errors"][0]["loc"] == ["body", "established_on"]

    @pytest.mark.parametrize("field", ["name", "tags"])
    def test_name_and_tags_are_never_null_and_the_document_says_so(
        self, live_api: Live, enterprise: dict[str, Any], field: str
    ) -> None:
        refused = self._patch(live_api, enterprise, **{field: None})
        problem = assert_problem(refused, 422, "validation_failed")
        assert problem["errors"][0]["loc"] == ["body", field]
        # The document offered `null`, so a schema-valid request was refused.
        assert "null" not in json.dumps(_schema("EnterpriseUpdate")["properties"][field])
        kept = httpx.get(enterprise["url"], headers=live_api[1]).json()
        assert kept[field] == enterprise[field]

    def test_an_optional_field_is_still_cleared_by_null(
        self, live_api: Live, enterprise: dict[str, Any]
    ) -> None:
        cleared = self._patch(live_api, enterprise, short_name=None, tags=[], name="新名称")
        assert cleared.status_code == 200, cleared.text
        assert (cleared.json()["short_name"], cleared.json()["tags"]) == (None, [])
        assert cleared.json()["name"] == "新名称"


class TestPhones:
    @pytest.mark.parametrize(
        "phone",
        [
            "0000000000000000000",
            " 13899905678",
            "\uff11\uff13\uff18\uff19\uff19\uff19\uff10\uff15\uff16\uff17\uff18",
        ],
    )
    def test_a_phone_outside_the_documented_pattern_is_refused(
        self, live_api: Live, phone: str
    ) -> None:
        base_url, admin = live_api
        assert re.search(PHONE_PATTERN, phone) is None
        refused = httpx.post(
            f"{base_url}/api/v1/enterprises", headers=admin, json=body(contact_phone=phone)
        )
        problem = assert_problem(refused, 422, "validation_failed")
        assert problem["errors"][0]["loc"] == ["body", "contact_phone"]

    @pytest.mark.parametrize("phone", ["13899905678", "0990-6881234", "09906881234-12"])
    def test_a_phone_the_pattern_allows_is_taken(self, live_api: Live, phone: str) -> None:
        base_url, admin = live_api
        created = httpx.post(
            f"{base_url}/api/v1/enterprises", headers=admin, json=body(contact_phone=phone)
        )
        assert created.status_code == 201, created.text
        assert created.json()["contact_phone"] == phone

    @pytest.mark.parametrize(
        ("schema", "field"),
        [
            ("EnterpriseCreate", "contact_phone"),
            ("EnterpriseUpdate", "contact_phone"),
            ("SpecialistCreate", "phone"),
        ],
    )
    def test_every_phone_states_the_one_pattern(self, schema: str, field: str) -> None:
        # "0000000000000000000" was schema-valid (a length only) but refused.
        stated = json.dumps(_schema(schema)["properties"][field])
        assert json.dumps(PHONE_PATTERN) in stated


class TestAnnualReports:
    @pytest.mark.parametrize(
        ("change", "code"),
        [
            # The fuzz's case: domestic R&D beyond R&D, refused as `validation_failed`.
            ({"rd_expense_domestic": "40050000.00"}, "inconsistent_fields"),
            ({"st_staff": 87}, "inconsistent_fields"),  # beyond the 86 employees
            ({"high_tech_revenue": "38500000.01"}, "inconsistent_fields"),  # beyond revenue
            # `0` was read as false and stored.
            ({"major_incident": 0}, "validation_failed"),
            ({"ip_self_developed": 1}, "validation_failed"),
            ({"employees": False}, "validation_failed"),
            ({"st_staff": 2.5}, "validation_failed"),
            ({"st_staff": "2"}, "validation_failed"),
        ],
    )
    def test_what_the_document_cannot_or_does_state_is_refused(
        self, live_api: Live, enterprise: dict[str, Any], change: dict[str, Any], code: str
    ) -> None:
        _, admin = live_api
        url = f"{enterprise['url']}/annual-reports/2025"
        refused = httpx.put(url, headers=admin, json=REPORT_EXAMPLE | change)
        problem = assert_problem(refused, 422, code)
        if code == "validation_failed":
            assert problem["errors"][0]["loc"] == ["body", next(iter(change))]
        assert httpx.get(url, headers=admin).status_code == 404
        # JSON Schema's `integer` holds 21.0; the service takes what the document says.
        stored = httpx.put(url, headers=admin, json=REPORT_EXAMPLE | {"st_staff": 21.0})
        assert stored.status_code in (200, 201), stored.text
        assert stored.json()["st_staff"] == 21

    def test_the_document_bounds_every_count(self) -> None:
        properties = _schema("AnnualReportWrite")["properties"]
        for field in ("employees", "st_staff", "ip_class1", "standards_drafted"):
            assert (properties[field]["minimum"], properties[field]["maximum"]) == (0, 10_000_000)
