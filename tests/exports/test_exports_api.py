from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.roles import Principal, Role
from app.config import Settings
from app.enterprises.models import Enterprise
from app.exports.registry import ANNUAL_REPORTS, ENTERPRISES, PROJECTS, ExportResource
from app.exports.service import ExportFormat, open_export
from app.projects.models import Project
from tests.factories import (
    bearer,
    make_api_key,
    make_enterprise,
    make_report,
    make_user,
    random_uscc,
)
from tests.problems import assert_problem

CONTACTS = {
    "contact_name": "王建国",
    "contact_phone": "13899905678",
    "contact_email": "zhengcheng@example.com",
}


def _lines(response: httpx.Response) -> list[dict[str, object]]:
    return [json.loads(line) for line in response.text.splitlines()]


class TestEnterpriseExport:
    async def test_ndjson_holds_every_documented_column_unmasked_for_staff(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        enterprise = await make_enterprise(session, name="克拉玛依市正诚有限公司", **CONTACTS)
        manager = await make_user(session, Role.MANAGER)
        response = await client.get("/api/v1/exports/enterprises", headers=bearer(manager))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/x-ndjson"
        assert "enterprises.ndjson" in response.headers["content-disposition"]
        rows = {row["id"]: row for row in _lines(response)}
        row = rows[str(enterprise.id)]
        assert list(row) == [c.name for c in ENTERPRISES.columns]
        assert row["name"] == "克拉玛依市正诚有限公司"
        assert row["uscc"] == enterprise.uscc
        assert {k: row[k] for k in CONTACTS} == CONTACTS
        assert row["tags"] == []

    async def test_integrations_get_contacts_masked(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        enterprise = await make_enterprise(session, **CONTACTS)
        _, secret = await make_api_key(session, scopes=["read:enterprises"])
        response = await client.get(
            "/api/v1/exports/enterprises",
            headers={"Authorization": f"Bearer {secret}"},
            params={"format": "csv"},
        )
        assert response.status_code == 200, response.text
        rows = {
            r["id"]: r for r in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
        }
        row = rows[str(enterprise.id)]
        assert (row["contact_name"], row["contact_phone"], row["contact_email"]) == (
            "王**",
            "138****5678",
            "z***@example.com",
        )

    async def test_csv_is_utf8_with_a_bom_unless_refused_and_a_header(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        enterprise = await make_enterprise(
            session, name="克拉玛依市“引号,逗号”公司", tags=["a", "b"]
        )
        manager = await make_user(session, Role.MANAGER)
        plain = await client.get(
            "/api/v1/exports/enterprises",
            headers=bearer(manager),
            params={"format": "csv", "bom": "false"},
        )
        with_bom = await client.get(
            "/api/v1/exports/enterprises", headers=bearer(manager), params={"format": "csv"}
        )
        assert plain.headers["content-type"] == "text/csv; charset=utf-8"
        assert not plain.content.startswith(b"\xef\xbb\xbf")
        assert with_bom.content == b"\xef\xbb\xbf" + plain.content
        table = list(csv.reader(io.StringIO(plain.content.decode("utf-8"))))
        assert table[0] == [c.name for c in ENTERPRISES.columns]
        row = next(r for r in table[1:] if r[0] == str(enterprise.id))
        assert row[2] == "克拉玛依市“引号,逗号”公司"
        assert row[8] == "a;b"

    async def test_updated_since_exports_only_what_changed(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        old = await make_enterprise(session)
        old.updated_at = datetime(2020, 1, 1, tzinfo=UTC)
        fresh = await make_enterprise(session)
        await session.flush()
        manager = await make_user(session, Role.MANAGER)
        since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        response = await client.get(
            "/api/v1/exports/enterprises",
            headers=bearer(manager),
            params={"updated_since": since},
        )
        ids = {row["id"] for row in _lines(response)}
        assert str(fresh.id) in ids
        assert str(old.id) not in ids

    async def test_many_rows_leave_batch_by_batch(
        self,
        session: AsyncSession,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
    ) -> None:
        now = datetime.now(UTC)
        await session.execute(
            insert(Enterprise),
            [
                {"uscc": random_uscc(), "name": f"批量企业{n}", "tags": [], "updated_at": now}
                for n in range(5000)
            ],
        )
        manager = await make_user(session, Role.MANAGER)
        viewer = Principal(kind="user", id=manager.id, role=Role.MANAGER)
        body = await open_export(
            session_factory,
            settings,
            viewer,
            ExportResource.ENTERPRISES,
            ExportFormat.NDJSON,
            updated_since=now - timedelta(seconds=1),
            bom=False,
        )
        sizes = [chunk.count(b"\n") async for chunk in body]
        # 2,000 rows a batch: the body is produced as the cursor advances, never whole.
        assert sizes == [2000, 2000, 1000]


class TestAnnualReportExport:
    async def test_reports_carry_the_uscc_and_exact_money(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        enterprise = await make_enterprise(session)
        report = await make_report(session, enterprise, 2025)
        _, secret = await make_api_key(session, scopes=["read:enterprises"])
        response = await client.get(
            "/api/v1/exports/annual-reports", headers={"Authorization": f"Bearer {secret}"}
        )
        assert response.status_code == 200
        row = next(r for r in _lines(response) if r["id"] == str(report.id))
        assert list(row) == [c.name for c in ANNUAL_REPORTS.columns]
        assert row["uscc"] == enterprise.uscc
        assert row["revenue"] == "38500000.00"
        assert row["year"] == 2025


class TestProjectExport:
    async def test_projects_show_todays_colour_with_the_override_and_need_read_projects(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        enterprise = await make_enterprise(session)
        today = datetime.now(UTC).date()
        project = Project(
            enterprise_id=enterprise.id,
            title="导出项目",
            level="district",
            status="in_progress",
            approved_funding=Decimal("40050000.00"),
            disbursed_funding=Decimal("0"),
            start_on=today - timedelta(days=30),
            end_on=today + timedelta(days=300),
            alert_color="red",
            alert_reasons=[],
            override_color="yellow",
            override_reason="整改中",
            override_expires_on=today + timedelta(days=10),
        )
        session.add(project)
        await session.flush()
        _, reader = await make_api_key(session, scopes=["read:projects"])
        _, outsider = await make_api_key(session, scopes=["read:enterprises"])
        response = await client.get(
            "/api/v1/exports/projects", headers={"Authorization": f"Bearer {reader}"}
        )
        assert response.status_code == 200, response.text
        row = next(r for r in _lines(response) if r["id"] == str(project.id))
        assert list(row) == [c.name for c in PROJECTS.columns]
        assert (row["alert_color"], row["computed_color"]) == ("yellow", "red")
        assert row["approved_funding"] == "40050000.00"
        refused = await client.get(
            "/api/v1/exports/projects", headers={"Authorization": f"Bearer {outsider}"}
        )
        assert_problem(refused, 403, "scope_missing")


class TestExportAccess:
    async def test_a_key_without_the_resource_scope_is_403(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        _, secret = await make_api_key(session, scopes=["read:projects", "read:changes"])
        response = await client.get(
            "/api/v1/exports/enterprises", headers={"Authorization": f"Bearer {secret}"}
        )
        assert_problem(response, 403, "scope_missing")

    async def test_specialists_and_enterprise_users_may_not_export(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        specialist = await make_user(session, Role.SPECIALIST)
        response = await client.get("/api/v1/exports/enterprises", headers=bearer(specialist))
        assert_problem(response, 403, "role_not_allowed")

    async def test_unknown_resource_and_format_are_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        manager = await make_user(session, Role.MANAGER)
        assert_problem(
            await client.get("/api/v1/exports/secrets", headers=bearer(manager)),
            422,
            "validation_failed",
        )
        assert_problem(
            await client.get(
                "/api/v1/exports/enterprises", headers=bearer(manager), params={"format": "xls"}
            ),
            422,
            "validation_failed",
        )

    async def test_an_export_leaves_an_audit_event(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session, Role.ADMIN)
        await client.get(
            "/api/v1/exports/enterprises", headers=bearer(admin), params={"format": "csv"}
        )
        events = await client.get(
            "/api/v1/audit-events", headers=bearer(admin), params={"action": "export.read"}
        )
        assert [(e["resource_id"], e["after"]["format"]) for e in events.json()["items"]] == [
            ("enterprises", "csv")
        ]
