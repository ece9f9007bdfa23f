"""The import body is documented as what the service takes: a file, any bytes; its rows are the
job's to check (issue 13: `{}` sent as NDJSON was "a schema-violating request accepted")."""

from __future__ import annotations

import json

import httpx
import pytest

from app.config import PROJECT_ROOT
from tests.factories import random_uscc
from tests.imports.conftest import Live, finished

IMPORTS = ["/api/v1/imports/enterprises", "/api/v1/imports/annual-reports"]


@pytest.mark.parametrize("path", IMPORTS)
def test_the_document_describes_the_body_as_a_file(path: str) -> None:
    document = json.loads((PROJECT_ROOT / "openapi" / "openapi.json").read_text())
    content = document["paths"][path]["post"]["requestBody"]["content"]
    # A file's bytes, not a JSON string: a client sends the file, never a quoted value; the
    # two media types every generator types (the others are taken too, and said in the text).
    assert set(content) == {"multipart/form-data", "application/octet-stream"}
    assert content["application/octet-stream"]["schema"] == {"type": "string", "format": "binary"}
    form = content["multipart/form-data"]["schema"]
    assert form["required"] == ["file"]
    assert form["properties"]["file"]["format"] == "binary"


@pytest.mark.parametrize(("path", "missing"), [(IMPORTS[0], "name"), (IMPORTS[1], "uscc")])
async def test_an_empty_object_as_ndjson_is_taken_and_its_row_rejected(
    live: Live, path: str, missing: str
) -> None:
    async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
        posted = await client.post(
            path,
            params={"mode": "all_or_nothing", "format": "ndjson"},
            headers={**live.admin, "Content-Type": "application/x-ndjson"},
            content=b"{}",
        )
        assert posted.status_code == 202, posted.text
        job = await finished(client, live, posted.headers["location"])
        assert job["status"] == "failed", job
        assert job["stored"] == 0
        errors = await client.get(f"{posted.headers['location']}/errors", headers=live.admin)
        assert errors.status_code == 200, errors.text
        rows = errors.json()["items"]
        assert {row["line"] for row in rows} == {1}
        assert missing in {row["field"] for row in rows}


async def test_report_counts_and_flags_are_text_in_csv_and_json_types_in_ndjson(
    live: Live,
) -> None:
    """The report's counts and flags are strict in the API (`0` is no flag): a CSV cell is text
    and still loads, an NDJSON row is JSON and is held to the API's types."""
    uscc = random_uscc()
    header = "uscc,year,revenue,high_tech_revenue,total_cost,net_assets,total_assets,employees,"
    header += "st_staff,rd_expense,rd_expense_domestic,major_incident,rd_accounting"
    csv = f"{header}\n{uscc},2024,100.00,50.00,80.00,10.00,200.00,86,21,5.00,5.00,false,true\n"
    report = {
        "uscc": uscc,
        "year": 2025,
        "revenue": "100.00",
        "high_tech_revenue": "50.00",
        "total_cost": "80.00",
        "net_assets": "10.00",
        "total_assets": "200.00",
        "employees": 86,
        "st_staff": 21,
        "rd_expense": "5.00",
        "rd_expense_domestic": "5.00",
    }
    async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
        created = await client.post(
            "/api/v1/enterprises", headers=live.admin, json={"uscc": uscc, "name": "报表公司"}
        )
        assert created.status_code == 201, created.text
        loaded = await client.post(
            IMPORTS[1], headers={**live.admin, "Content-Type": "text/csv"}, content=csv.encode()
        )
        job = await finished(client, live, loaded.headers["location"])
        assert (job["status"], job["stored"]) == ("succeeded", 1), job
        stored = await client.get(
            f"/api/v1/enterprises/{created.json()['id']}/annual-reports/2024", headers=live.admin
        )
        assert stored.json()["employees"] == 86
        assert stored.json()["major_incident"] is False
        assert stored.json()["rd_org"]["rd_accounting"] is True
        refused = await client.post(
            IMPORTS[1],
            headers={**live.admin, "Content-Type": "application/x-ndjson"},
            content=json.dumps(report | {"major_incident": 0, "employees": "86"}).encode(),
        )
        job = await finished(client, live, refused.headers["location"])
        assert job["status"] == "failed", job
        assert {e["field"] for e in job["errors"]} == {"major_incident", "employees"}
