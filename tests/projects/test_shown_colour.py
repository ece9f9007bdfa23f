"""The colour shown is defined in Python (`alert_rules.effective_color`, behind GET) and in
SQL (`repository.effective_color`, behind `?alert=` and the exports). One table of cases, on a
live server, drives both: what GET shows is what the filter finds."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from app import clock
from app.projects import alert_rules

COLOURS = ("red", "yellow", "green")
FUTURE = 30
# Days from today to the override's expiry (None: no expiry, written straight to the table
# since the API requires one); "no" for no override.
NONE = "no"
MONITORED = ("approved", "in_progress")


async def _write_override(dsn: str, project_id: str, colour: str, expires_on: date | None) -> None:
    conn = await asyncpg.connect(dsn.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(
            "UPDATE project SET override_color = $2, override_reason = 'test',"
            " override_expires_on = $3 WHERE id = $1",
            project_id,
            colour,
            expires_on,
        )
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("status", "expiry", "expected"),
    [
        ("in_progress", NONE, "computed"),
        ("in_progress", FUTURE, "override"),
        ("in_progress", 0, "override"),  # the expiry day itself still counts
        ("in_progress", -1, "computed"),  # lapsed the day after
        ("in_progress", None, "override"),  # no expiry: holds until removed
        ("approved", FUTURE, "override"),
        ("completed", FUTURE, None),  # not monitored: no colour, override or not
        ("completed", None, None),
        ("completed", NONE, None),
        ("terminated", 0, None),
    ],
)
def test_get_and_the_alert_filter_agree(
    live_api: tuple[str, dict[str, str]],
    live_database: str,
    live_enterprise: str,
    status: str,
    expiry: int | str | None,
    expected: str | None,
) -> None:
    base_url, admin = live_api
    created = httpx.post(
        f"{base_url}/api/v1/projects",
        headers=admin,
        json={
            "enterprise_id": live_enterprise,
            "title": f"颜色一致性 {status} {expiry}",
            "level": "city",
            "programme": "克拉玛依市重大科技专项",
            "status": status if status in MONITORED else "in_progress",
            "start_on": "2026-01-01",
            "end_on": "2027-12-31",
        },
    )
    assert created.status_code == 201, created.text
    project: dict[str, Any] = created.json()
    computed = project["alert"]["computed_color"]
    assert computed in COLOURS
    override: alert_rules.Color = "green" if computed != "green" else "red"
    today = clock.today(ZoneInfo("Asia/Shanghai"))
    if expiry != NONE:
        expires_on = None if expiry is None else today + timedelta(days=int(expiry))
        asyncio.run(_write_override(live_database, project["id"], override, expires_on))
    if status not in MONITORED:
        changed = httpx.patch(
            f"{base_url}/api/v1/projects/{project['id']}", headers=admin, json={"status": status}
        )
        assert changed.status_code == 200, changed.text

    shown = httpx.get(f"{base_url}/api/v1/projects/{project['id']}", headers=admin).json()
    want = {"computed": computed, "override": override, None: None}[expected]
    assert shown["alert"]["color"] == want
    # The Python rule on its own, for the same case.
    stored = shown["alert"]["computed_color"]
    assert (
        alert_rules.effective_color(
            stored,
            None if expiry == NONE else override,
            None if expiry in (NONE, None) else today + timedelta(days=int(str(expiry))),
            today,
        )
        == want
    )
    # The SQL rule: the project is listed under its shown colour and no other.
    listed_under = [
        colour
        for colour in COLOURS
        if project["id"]
        in [
            p["id"]
            for p in httpx.get(
                f"{base_url}/api/v1/projects",
                headers=admin,
                params={"alert": colour, "enterprise_id": live_enterprise, "limit": 200},
            ).json()["items"]
        ]
    ]
    assert listed_under == ([want] if want else [])
