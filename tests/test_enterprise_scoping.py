"""Issue 15: an enterprise user reads its own enterprise and nothing of any other. On the demo
zone (hundreds of enterprises with reports, pool memberships, projects, visits, demands,
achievements and rankings), every GET route of the API is called as the user of one
enterprise, with each path parameter filled once with that enterprise's own record and once
with another's; no answer may carry an id of another enterprise's records."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clock, demo
from app.activities.models import ActivityInvitation
from app.auth.models import User
from app.auth.roles import Role
from app.config import Settings
from app.enterprises.models import AnnualReport, Enterprise
from app.outcomes.models import Achievement
from app.policies.models import Policy
from app.pools.models import PoolMember
from app.projects.models import Project
from app.rankings.models import RankingRun
from app.visits.models import Demand, Specialist, SpecialistAssignment, Visit
from tests.factories import bearer, make_user

UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Parameters that name no enterprise's record: the same value in both walks.
SHARED_VALUES = {
    "pool": "hte",
    "year": "2025",
    "round_number": "1",
    "resource": "enterprises",
}
# What a walk must reach with 2xx answers, so that a refusal of everything cannot pass.
MIN_OWN_2XX = 25


@dataclass
class Zone:
    own: dict[str, str]  # a path parameter → the enterprise's own record
    other: dict[str, str]  # a path parameter → another enterprise's record
    foreign: set[str] = field(default_factory=set)  # every id of other enterprises' records


async def zone_of(session: AsyncSession, enterprise: Enterprise) -> Zone:
    own: dict[str, str] = {"enterprise_id": str(enterprise.id)}
    other: dict[str, str] = {}
    foreign: set[str] = set()
    for model, parameter in (
        (Project, "project_id"),
        (Visit, "visit_id"),
        (Demand, "demand_id"),
        (Achievement, "achievement_id"),
        (PoolMember, "member_id"),
        (AnnualReport, None),
    ):
        rows: list[Any] = list(await session.scalars(select(model)))
        for row in rows:
            mine = row.enterprise_id == enterprise.id
            if not mine:
                foreign.add(str(row.id))
            if parameter is not None:
                (own if mine else other).setdefault(parameter, str(row.id))
    for row in await session.scalars(select(Enterprise).where(Enterprise.id != enterprise.id)):
        foreign.add(str(row.id))
        other.setdefault("enterprise_id", str(row.id))
    # Activities: one the enterprise was invited to, and one it was not.
    for invitation in await session.scalars(select(ActivityInvitation)):
        mine = invitation.enterprise_id == enterprise.id
        if not mine:
            foreign.add(str(invitation.id))
        (own if mine else other).setdefault("activity_id", str(invitation.activity_id))
    # Specialists: the one in charge of the enterprise, and another.
    for assignment in await session.scalars(select(SpecialistAssignment)):
        mine = assignment.enterprise_id == enterprise.id and assignment.ended_on is None
        key = str(assignment.specialist_id)
        if mine:
            own["specialist_id"] = key
        elif key != own.get("specialist_id"):
            other.setdefault("specialist_id", key)
    policy = await session.scalar(select(Policy.id).limit(1))
    if policy is not None:
        own["policy_id"] = other["policy_id"] = str(policy)
    return Zone(own, other, foreign)


def get_routes(app: FastAPI) -> Iterator[str]:
    for route in iter_route_contexts(app.routes):
        path = str(route.path)
        if "GET" in (route.methods or ()) and path.startswith("/api/v1/"):
            yield path


def fill(path: str, values: dict[str, str]) -> str | None:
    """The path with its parameters filled, or None when one has no value here."""
    filled = path
    for name in re.findall(r"{(\w+)}", path):
        value = values.get(name, SHARED_VALUES.get(name))
        if value is None:
            return None
        filled = filled.replace("{" + name + "}", value)
    return filled


def leaks(answer: httpx.Response, foreign: set[str]) -> set[str]:
    return set(UUID_PATTERN.findall(answer.text)) & foreign


async def test_an_enterprise_user_reads_nothing_of_another_enterprise(
    app: FastAPI,
    client: httpx.AsyncClient,
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    settings: Settings,
) -> None:
    await demo.seed(session_factory, settings)
    # An enterprise with a record in each domain, so that its own walk reaches every kind.
    enterprise = await session.scalar(
        select(Enterprise)
        .where(
            Enterprise.id.in_(select(Project.enterprise_id)),
            Enterprise.id.in_(select(Visit.enterprise_id)),
            Enterprise.id.in_(select(Demand.enterprise_id)),
            Enterprise.id.in_(select(PoolMember.enterprise_id)),
        )
        .limit(1)
    )
    assert enterprise is not None
    zone = await zone_of(session, enterprise)
    assert len(zone.foreign) > 1000
    run = await session.scalar(select(RankingRun.id).where(RankingRun.status == "published"))
    if run is not None:
        zone.own["run_id"] = zone.other["run_id"] = str(run)
    headers = bearer(await make_user(session, Role.ENTERPRISE, enterprise_id=enterprise.id))

    reached: dict[str, int] = {}
    leaked: dict[str, set[str]] = {}
    unwalked = []
    for path in get_routes(app):
        for walk, values in (("own", zone.own), ("other", zone.other)):
            url = fill(path, values)
            if url is None:
                unwalked.append(f"{walk} {path}")
                continue
            answer = await client.get(url, headers=headers)
            assert answer.status_code < 500, (url, answer.text)
            if answer.is_success:
                reached[f"{walk} {path}"] = answer.status_code
                found = leaks(answer, zone.foreign)
                if found:
                    leaked[url] = found
    assert leaked == {}, leaked
    own_success = [key for key in reached if key.startswith("own ")]
    assert len(own_success) >= MIN_OWN_2XX, (own_success, unwalked)
    # Another enterprise's record by id is never answered with 2xx. (A specialist is staff,
    # not another enterprise's record: the walk only checks that their answer names no
    # other enterprise.)
    owned = [
        name
        for name in zone.other
        if zone.other[name] != zone.own.get(name) and name != "specialist_id"
    ]
    by_other_id = [
        key
        for key in reached
        if key.startswith("other ") and any("{" + name + "}" in key for name in owned)
    ]
    assert by_other_id == [], by_other_id


async def test_a_specialist_writes_only_for_the_enterprises_in_their_care(
    client: httpx.AsyncClient,
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    settings: Settings,
) -> None:
    """Each write a specialist makes for an enterprise, made once for one in their care and
    once for another's: the first is done, the second refused and nothing of it stored."""
    await demo.seed(session_factory, settings)
    user = await session.scalar(select(User).where(User.email == "specialist@demo.example.com"))
    assert user is not None
    specialist = await session.scalar(select(Specialist).where(Specialist.user_id == user.id))
    assert specialist is not None
    current = select(SpecialistAssignment).where(SpecialistAssignment.ended_on.is_(None))
    assignments = list(await session.scalars(current))
    mine = next(a.enterprise_id for a in assignments if a.specialist_id == specialist.id)
    theirs = next(a.enterprise_id for a in assignments if a.specialist_id != specialist.id)
    demand_of = {
        enterprise: await session.scalar(
            select(Demand.id).where(Demand.enterprise_id == enterprise, Demand.status == "open")
        )
        for enterprise in (mine, theirs)
    }
    headers = bearer(user)
    now = clock.now().isoformat()

    async def writes(enterprise: uuid.UUID) -> dict[str, httpx.Response]:
        answers = {
            "patch enterprise": await client.patch(
                f"/api/v1/enterprises/{enterprise}", headers=headers, json={"district": "乌尔禾区"}
            ),
            "raise demand": await client.post(
                "/api/v1/demands",
                headers=headers,
                json={
                    "enterprise_id": str(enterprise),
                    "category": "qualification_recognition",
                    "title": "走查需求",
                    "description": "专员代企业提出",
                },
            ),
            "record visit": await client.post(
                "/api/v1/visits",
                headers=headers,
                json={
                    "enterprise_id": str(enterprise),
                    "specialist_ids": [str(specialist.id)],
                    "visited_at": now,
                    "kind": "coverage",
                    "channel": "onsite",
                },
            ),
        }
        demand = demand_of[enterprise]
        if demand is not None:
            answers["answer demand"] = await client.post(
                f"/api/v1/demands/{demand}/transitions",
                headers=headers,
                json={"to_status": "responded", "note": "已电话联系"},
            )
        return answers

    own = await writes(mine)
    assert {name: answer.status_code < 300 for name, answer in own.items()} == dict.fromkeys(
        own, True
    ), {name: answer.text for name, answer in own.items()}
    assert len(own) >= 3
    before = await session.scalar(select(func.count()).select_from(Demand))
    others = await writes(theirs)
    assert {name: answer.status_code for name, answer in others.items()} == dict.fromkeys(
        others, 403
    ), {name: answer.text for name, answer in others.items()}
    assert all(answer.json()["code"] == "not_responsible" for answer in others.values())
    assert await session.scalar(select(func.count()).select_from(Demand)) == before
