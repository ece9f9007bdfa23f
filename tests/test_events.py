"""Issue 15: domains talk through events. Every event a domain publishes has a subscriber once
the application is assembled; a recorded event reaches the outbox in the transaction that
made the change, and a subscriber's refusal undoes the whole change, outbox included; no
module of the application imports another inside a function to dodge a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import app.main  # noqa: F401 - assembles the application, subscribers included
from app.applications.events import ApplicationDecided
from app.auth.roles import Role
from app.config import PROJECT_ROOT
from app.enterprises.events import EnterpriseUpdating, ReportsFiled
from app.events.bus import DomainEvent, subscribers
from app.events.models import OutboxMessage
from app.outcomes.events import AchievementRecorded, AchievementRemoved
from app.pools.events import MemberExited, QualificationGranted, QualificationRevoked
from app.projects.events import ProjectApprovalRevoked, ProjectDecided
from app.visits.events import PoliciesPresented
from tests.enterprises.test_annual_reports import report
from tests.factories import headers_for, make_enterprise
from tests.problems import assert_problem

CATALOGUE: tuple[type[DomainEvent], ...] = (
    EnterpriseUpdating,
    ReportsFiled,
    ProjectDecided,
    PoliciesPresented,
    MemberExited,
    QualificationGranted,
    AchievementRecorded,
    ApplicationDecided,
    QualificationRevoked,
    ProjectApprovalRevoked,
    AchievementRemoved,
)


def published_events() -> set[str]:
    """The event classes the application's code constructs (publish(…, Event(…)))."""
    named: set[str] = set()
    for path in (PROJECT_ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {event.__name__ for event in DomainEvent.__subclasses__()}
            ):
                named.add(node.func.id)
    return named


def test_every_published_event_is_in_the_catalogue_and_every_question_is_answered() -> None:
    """A question (not recorded) must have a subscriber to answer it; a recorded change goes
    to the outbox whether or not a domain reacts at once."""
    assert published_events() == {event.__name__ for event in CATALOGUE}
    assert set(DomainEvent.__subclasses__()) == set(CATALOGUE)
    questions = [event for event in CATALOGUE if not event.recorded]
    assert len(questions) == 2
    assert [event.__name__ for event in questions if not subscribers(event)] == []


def test_no_application_module_imports_another_inside_a_function() -> None:
    hidden = []
    for path in sorted((PROJECT_ROOT / "app").rglob("*.py")):
        if path == PROJECT_ROOT / "app" / "cli.py":
            continue  # the commands import what they run, to start fast
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("app"):
                        hidden.append(f"{Path(path).relative_to(PROJECT_ROOT)}:{inner.lineno}")
    assert hidden == []


async def outbox(session: AsyncSession, name: str) -> list[OutboxMessage]:
    rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.name == name))
    return list(rows)


async def test_a_filed_report_reaches_the_outbox_with_the_change(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await headers_for(session, Role.MANAGER)
    enterprise = await make_enterprise(session)
    before = len(await outbox(session, ReportsFiled.name))
    url = f"/api/v1/enterprises/{enterprise.id}/annual-reports/2025"
    created = await client.put(url, headers=headers, json=report(filed_on="2026-05-10"))
    assert created.status_code == 201, created.text
    messages = await outbox(session, ReportsFiled.name)
    assert len(messages) == before + 1
    assert messages[-1].payload == {"enterprise_ids": [str(enterprise.id)]}
    assert messages[-1].dispatched_at is None


async def test_questions_are_not_kept_and_a_refusal_leaves_the_record_as_it_was(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    specialist = await headers_for(session, Role.SPECIALIST)
    enterprise = await make_enterprise(session, district="独山子区")
    refused = await client.patch(
        f"/api/v1/enterprises/{enterprise.id}", headers=specialist, json={"district": "乌尔禾区"}
    )
    assert_problem(refused, 403, "not_responsible")
    await session.refresh(enterprise)
    assert enterprise.district == "独山子区"
    assert await outbox(session, EnterpriseUpdating.name) == []


async def test_a_recorded_achievement_reaches_the_outbox_with_the_entry(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await headers_for(session, Role.MANAGER)
    enterprise = await make_enterprise(session)
    answer = await client.post(
        "/api/v1/achievements",
        headers=headers,
        json={
            "enterprise_id": str(enterprise.id),
            "achieved_on": "2025-06-30",
            "kind": "little_giant",
            "level": "city",
        },
    )
    assert answer.status_code == 201, answer.text
    (message,) = [
        m
        for m in await outbox(session, AchievementRecorded.name)
        if m.payload["achievement_id"] == answer.json()["id"]
    ]
    assert message.payload["enterprise_id"] == str(enterprise.id)
    assert message.payload["kind"] == "little_giant"
    assert message.payload["actor"]["role"] == "manager"
