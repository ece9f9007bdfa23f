"""The one path an approval takes into the record (`grant_outcome`) and back out of it
(`reverse_outcome`): after every kind of grant and its reversal, the ledger, the
qualifications and the pools agree."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Principal, Role
from app.config import Settings
from app.enterprises.models import Qualification
from app.errors import AppError
from app.outcomes import service
from app.outcomes.enums import AchievementKind, AchievementLevel
from app.outcomes.models import Achievement
from app.pools.models import PoolMember, PoolTransition
from app.projects.models import Project
from tests.factories import bearer, make_enterprise, make_user
from tests.pools.test_pools_api import cultivating_enterprise, enter


@dataclass(frozen=True)
class Record:
    """What the three places hold about one enterprise."""

    entries: list[tuple[str, str | None]]  # (kind, reference)
    qualifications: list[tuple[str, str | None]]  # (kind, reference)
    memberships: list[tuple[str, str]]  # (pool, status)


async def record_of(session: AsyncSession, enterprise_id: uuid.UUID) -> Record:
    entries = await session.execute(
        select(Achievement.kind, Achievement.reference, Achievement.qualification_id).where(
            Achievement.enterprise_id == enterprise_id
        )
    )
    qualifications = await session.execute(
        select(Qualification.id, Qualification.kind, Qualification.reference).where(
            Qualification.enterprise_id == enterprise_id
        )
    )
    held = {q_id: (str(kind), ref) for q_id, kind, ref in qualifications}
    rows = list(entries)
    # Every hte/sme entry points at a qualification that exists, and every qualification
    # granted this way has its entry.
    assert {q for _, _, q in rows if q is not None} == set(held)
    members = await session.execute(
        select(PoolMember.pool, PoolMember.status).where(PoolMember.enterprise_id == enterprise_id)
    )
    return Record(
        entries=sorted((str(kind), ref) for kind, ref, _ in rows),
        qualifications=sorted(held.values()),
        memberships=sorted((str(pool), str(status)) for pool, status in members),
    )


async def grant(
    session: AsyncSession,
    settings: Settings,
    who: Principal,
    *,
    kind: AchievementKind,
    enterprise_id: uuid.UUID,
    granted_on: date,
    reference: str | None = None,
    level: AchievementLevel | None = None,
    project_id: uuid.UUID | None = None,
) -> uuid.UUID:
    given = service.OutcomeGrant(kind, enterprise_id, granted_on, reference, level, project_id)
    return await service.grant_outcome(session, settings, who, given)


async def actor(session: AsyncSession) -> Principal:
    manager = await make_user(session, Role.MANAGER)
    return Principal(kind="user", id=manager.id, role=Role.MANAGER)


class TestQualifications:
    @pytest.mark.parametrize(
        ("pool", "kind", "reference"),
        [
            ("hte", AchievementKind.HTE_CERTIFIED, "GR202565000777"),
            ("sme", AchievementKind.SME_REGISTERED, "202565010700001234"),
        ],
    )
    async def test_a_grant_records_all_three_once_and_its_reversal_removes_them(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        pool: str,
        kind: AchievementKind,
        reference: str,
    ) -> None:
        manager = await make_user(session, Role.MANAGER)
        who = Principal(kind="user", id=manager.id, role=Role.MANAGER)
        enterprise = await cultivating_enterprise(session)
        entered = await enter(client, bearer(manager), pool, enterprise, effective_on="2025-01-10")
        assert entered.status_code == 201, entered.text
        before = await record_of(session, enterprise.id)
        assert before == Record([], [], [(pool, "active")])

        entry_id = await grant(
            session,
            settings,
            who,
            kind=kind,
            enterprise_id=enterprise.id,
            granted_on=date(2025, 11, 20),
            reference=reference,
        )
        granted = await record_of(session, enterprise.id)
        assert granted == Record(
            [(kind.value, reference)], [(pool, reference)], [(pool, "certified")]
        )
        entry = await session.get(Achievement, entry_id)
        assert entry is not None and entry.kind == kind.value
        member = await session.scalar(select(PoolMember).where(PoolMember.pool == pool))
        assert member is not None and member.qualification_id == entry.qualification_id

        await service.reverse_outcome(session, settings, who, entry_id)
        assert await record_of(session, enterprise.id) == before
        kinds = await session.scalars(
            select(PoolTransition.kind)
            .where(PoolTransition.member_id == member.id)
            .order_by(PoolTransition.occurred_at, PoolTransition.id)
        )
        assert [str(k) for k in kinds] == ["entry", "exit", "reinstatement"]

    async def test_an_enterprise_outside_the_pool_gets_the_qualification_and_entry(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        who = await actor(session)
        enterprise = await make_enterprise(session)
        entry_id = await grant(
            session,
            settings,
            who,
            kind=AchievementKind.SME_REGISTERED,
            enterprise_id=enterprise.id,
            granted_on=date(2026, 5, 1),
        )
        assert await record_of(session, enterprise.id) == Record(
            [("sme_registered", None)], [("sme", None)], []
        )
        await service.reverse_outcome(session, settings, who, entry_id)
        assert await record_of(session, enterprise.id) == Record([], [], [])

    async def test_a_recognition_without_its_certificate_number_is_refused(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        who = await actor(session)
        enterprise = await make_enterprise(session)
        grant = service.OutcomeGrant(
            kind=AchievementKind.HTE_CERTIFIED,
            enterprise_id=enterprise.id,
            granted_on=date(2026, 5, 1),
        )
        with pytest.raises(AppError) as refused:
            await service.grant_outcome(session, settings, who, grant)
        assert (refused.value.status, refused.value.code) == (422, "certificate_required")
        assert await record_of(session, enterprise.id) == Record([], [], [])


class TestProjects:
    async def test_an_approval_moves_the_project_and_its_reversal_moves_it_back(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        manager = await make_user(session, Role.MANAGER)
        headers = bearer(manager)
        who = Principal(kind="user", id=manager.id, role=Role.MANAGER)
        enterprise = await make_enterprise(session)
        created = await client.post(
            "/api/v1/projects",
            headers=headers,
            json={
                "enterprise_id": str(enterprise.id),
                "title": "风电叶片在线监测系统",
                "level": "regional",
                "approved_funding": "800000.00",
                "start_on": "2026-01-01",
                "end_on": "2027-12-31",
            },
        )
        assert created.status_code == 201, created.text
        project_id = uuid.UUID(created.json()["id"])
        entered = await client.post(
            "/api/v1/pools/project/members",
            headers=headers,
            json={"project_id": str(project_id), "tier": "applying", "reason": "2026年申报"},
        )
        assert entered.status_code == 201, entered.text
        before = await record_of(session, enterprise.id)
        assert before == Record([], [], [("project", "active")])

        entry_id = await grant(
            session,
            settings,
            who,
            kind=AchievementKind.PROJECT_APPROVED,
            enterprise_id=enterprise.id,
            granted_on=date(2026, 3, 1),
            project_id=project_id,
        )
        assert await record_of(session, enterprise.id) == Record(
            [("project_approved", str(project_id))], [], [("project", "certified")]
        )
        project = await session.get(Project, project_id)
        assert project is not None
        assert (str(project.status), project.approved_on) == ("approved", date(2026, 3, 1))
        entry = await session.get(Achievement, entry_id)
        assert entry is not None and entry.level == "regional"

        await service.reverse_outcome(session, settings, who, entry_id)
        assert await record_of(session, enterprise.id) == before
        await session.refresh(project)
        assert (str(project.status), project.approved_on) == ("applying", None)
        shown = await client.get(f"/api/v1/projects/{project_id}", headers=headers)
        assert shown.json()["status"] == "applying"

    async def test_a_project_already_under_way_cannot_lose_its_approval(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        manager = await make_user(session, Role.MANAGER)
        who = Principal(kind="user", id=manager.id, role=Role.MANAGER)
        enterprise = await make_enterprise(session)
        created = await client.post(
            "/api/v1/projects",
            headers=bearer(manager),
            json={
                "enterprise_id": str(enterprise.id),
                "title": "光伏组件回收工艺",
                "level": "city",
                "start_on": "2026-01-01",
                "end_on": "2026-12-31",
            },
        )
        project_id = uuid.UUID(created.json()["id"])
        entry_id = await grant(
            session,
            settings,
            who,
            kind=AchievementKind.PROJECT_APPROVED,
            enterprise_id=enterprise.id,
            granted_on=date(2026, 3, 1),
            project_id=project_id,
        )
        moved = await client.patch(
            f"/api/v1/projects/{project_id}",
            headers=bearer(manager),
            json={"status": "in_progress"},
        )
        assert moved.status_code == 200, moved.text
        with pytest.raises(AppError) as refused:
            await service.reverse_outcome(session, settings, who, entry_id)
        assert (refused.value.status, refused.value.code) == (409, "invalid_status_transition")
        # Approving a project that is not applying is refused the same way.
        with pytest.raises(AppError) as again:
            await grant(
                session,
                settings,
                who,
                kind=AchievementKind.PROJECT_APPROVED,
                enterprise_id=enterprise.id,
                granted_on=date(2026, 3, 1),
                project_id=project_id,
            )
        assert again.value.status == 409


class TestLittleGiants:
    @pytest.mark.parametrize(
        ("kind", "level"),
        [
            (AchievementKind.LITTLE_GIANT, AchievementLevel.CITY),
            (AchievementKind.SRDI_LITTLE_GIANT, AchievementLevel.REGIONAL),
        ],
    )
    async def test_an_entry_alone_comes_and_goes(
        self,
        session: AsyncSession,
        settings: Settings,
        kind: AchievementKind,
        level: AchievementLevel,
    ) -> None:
        who = await actor(session)
        enterprise = await make_enterprise(session)
        entry_id = await grant(
            session,
            settings,
            who,
            kind=kind,
            enterprise_id=enterprise.id,
            granted_on=date(2026, 6, 1),
            level=level,
            reference="克科发〔2026〕12号",
        )
        entry = await session.get(Achievement, entry_id)
        assert entry is not None and (entry.kind, entry.level) == (kind.value, level.value)
        assert await record_of(session, enterprise.id) == Record(
            [(kind.value, "克科发〔2026〕12号")], [], []
        )
        await service.reverse_outcome(session, settings, who, entry_id)
        assert await record_of(session, enterprise.id) == Record([], [], [])

    async def test_a_decision_dated_in_the_future_is_refused(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        who = await actor(session)
        enterprise = await make_enterprise(session)
        with pytest.raises(AppError) as refused:
            await grant(
                session,
                settings,
                who,
                kind=AchievementKind.LITTLE_GIANT,
                enterprise_id=enterprise.id,
                granted_on=date(2100, 1, 1),
            )
        assert (refused.value.status, refused.value.code) == (422, "achieved_in_future")
