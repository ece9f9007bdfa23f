"""A realistic demo zone: each domain adds a seeder; every seeder is idempotent."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clock
from app.activities import demo as activities_demo
from app.applications import demo as applications_demo
from app.auth import repository as auth_repository
from app.auth import service as auth_service
from app.auth.roles import LoginRole, Principal, Role
from app.auth.schemas import UserCreate
from app.config import Settings
from app.db import AdvisoryLock, take_advisory_lock
from app.enterprises import demo as enterprises_demo
from app.enterprises import repository as enterprise_repository
from app.outcomes import demo as outcomes_demo
from app.plans import demo as plans_demo
from app.policies import demo as policies_demo
from app.policies import service as policy_service
from app.pools import demo as pools_demo
from app.pools import service as pool_service
from app.projects import demo as projects_demo
from app.rankings import demo as rankings_demo
from app.visits import demo as visits_demo

logger = logging.getLogger(__name__)

Seeder = Callable[[AsyncSession, Settings], Awaitable[None]]

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed in the README, demo only


async def _seed_users(session: AsyncSession, settings: Settings) -> None:

    staff = [
        ("manager@demo.example.com", LoginRole.MANAGER, "张科长"),
        ("specialist@demo.example.com", LoginRole.SPECIALIST, "李专员"),
    ]
    for email, role, name in staff:
        if await auth_repository.get_user_by_email(session, email) is None:
            await auth_service.create_user(
                session,
                settings,
                None,
                UserCreate(email=email, password=DEMO_PASSWORD, role=role, display_name=name),
            )


async def _seed_enterprises(session: AsyncSession, settings: Settings) -> None:

    await enterprises_demo.seed(session, settings)


async def _seed_pools(session: AsyncSession, settings: Settings) -> None:

    manager = await auth_repository.get_user_by_email(session, "manager@demo.example.com")
    if manager is None:
        return
    actor = Principal(kind="user", id=manager.id, role=Role.MANAGER, email=manager.email)
    await pools_demo.seed(
        session, settings, actor, await enterprise_repository.enterprise_ids(session)
    )


async def _seed_projects(session: AsyncSession, settings: Settings) -> None:

    manager = await auth_repository.get_user_by_email(session, "manager@demo.example.com")
    if manager is None:
        return
    actor = Principal(kind="user", id=manager.id, role=Role.MANAGER, email=manager.email)
    ids = await enterprise_repository.enterprise_ids(session)
    applying = await projects_demo.seed(session, settings, actor, ids)
    await pools_demo.cultivate_applications(session, settings, actor, applying)


async def _seed_visits(session: AsyncSession, settings: Settings) -> None:

    manager = await auth_repository.get_user_by_email(session, "manager@demo.example.com")
    if manager is None:
        return
    users = []
    for email in (
        "specialist@demo.example.com",
        "specialist2@demo.example.com",
        "specialist3@demo.example.com",
    ):
        user = await auth_repository.get_user_by_email(session, email)
        if user is None:
            created = await auth_service.create_user(
                session,
                settings,
                None,
                UserCreate(email=email, password=DEMO_PASSWORD, role=LoginRole.SPECIALIST),
            )
            users.append(created.id)
        else:
            users.append(user.id)
    actor = Principal(kind="user", id=manager.id, role=Role.MANAGER, email=manager.email)
    today = clock.today(settings.zone)
    population = sorted(await pool_service.tech_enterprises_in_pools(session, today), key=str)
    policy_ids = await policy_service.catalogue_ids(session)
    await visits_demo.seed(session, settings, actor, users, population, policy_ids)


async def _seed_policies(session: AsyncSession, settings: Settings) -> None:

    await policies_demo.seed(session, settings)


async def _seed_outcomes(session: AsyncSession, settings: Settings) -> None:

    manager = await auth_repository.get_user_by_email(session, "manager@demo.example.com")
    if manager is None:
        return
    actor = Principal(kind="user", id=manager.id, role=Role.MANAGER, email=manager.email)
    ids = await enterprise_repository.enterprise_ids(session)
    await outcomes_demo.seed(session, settings, actor, ids)


async def _seed_applications(session: AsyncSession, settings: Settings) -> None:

    manager = await auth_repository.get_user_by_email(session, "manager@demo.example.com")
    if manager is None:
        return
    actor = Principal(kind="user", id=manager.id, role=Role.MANAGER, email=manager.email)
    ids = await enterprise_repository.enterprise_ids(session)
    await applications_demo.seed(session, settings, actor, ids)


async def _seed_activities(session: AsyncSession, settings: Settings) -> None:

    manager = await auth_repository.get_user_by_email(session, "manager@demo.example.com")
    if manager is None:
        return
    actor = Principal(kind="user", id=manager.id, role=Role.MANAGER, email=manager.email)
    today = clock.today(settings.zone)
    guests = sorted(await pool_service.tech_enterprises_in_pools(session, today), key=str)
    await activities_demo.seed(session, settings, actor, guests)


async def _seed_rankings(session: AsyncSession, settings: Settings) -> None:

    manager = await auth_repository.get_user_by_email(session, "manager@demo.example.com")
    if manager is None:
        return
    actor = Principal(kind="user", id=manager.id, role=Role.MANAGER, email=manager.email)
    await rankings_demo.seed(session, settings, actor)


async def _seed_plans(session: AsyncSession, settings: Settings) -> None:

    manager = await auth_repository.get_user_by_email(session, "manager@demo.example.com")
    if manager is None:
        return
    actor = Principal(kind="user", id=manager.id, role=Role.MANAGER, email=manager.email)
    await plans_demo.seed(session, settings, actor)


SEEDERS: list[Seeder] = [
    _seed_users,
    _seed_enterprises,
    _seed_pools,
    _seed_projects,
    _seed_policies,  # before the visits, which present the catalogue's policies
    _seed_visits,
    # Before the outcomes: its approvals are recognitions the ledger then tops up to the
    # article's figures.
    _seed_applications,
    _seed_outcomes,
    _seed_activities,
    _seed_rankings,  # it reads the reports, pools, visits and activities
    _seed_plans,  # last: a plan proposes the short board of the latest published ranking
]


async def seed(factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    async with factory() as session:
        # Replicas starting together seed once.
        await take_advisory_lock(session, AdvisoryLock.DEMO_SEED)
        for seeder in SEEDERS:
            await seeder(session, settings)
        await session.commit()
    logger.info("demo data in place")
