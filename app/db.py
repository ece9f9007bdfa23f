"""Engine, session factory and the database the service runs on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from enum import IntEnum
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import URL, MetaData, Row, event, exc, make_url, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.base import Executable

from app.config import Settings

APP_DATABASE = "tech_accompaniment"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def create_engine(url: str, settings: Settings) -> AsyncEngine:
    engine = create_async_engine(
        url,
        # No pre-ping: it would cost a round trip on every checkout. Dead connections are
        # dropped instead (_heal_without_pinging).
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_overflow,
        pool_timeout=settings.db_connect_timeout_seconds,
        connect_args={
            "timeout": settings.db_connect_timeout_seconds,
            "server_settings": {"application_name": "tech-accompaniment", "timezone": "UTC"},
        },
    )
    _heal_without_pinging(engine)
    return engine


# What PostgreSQL sends a session as it ends it (a restart, pg_terminate_backend, a failover):
# the connection is gone even if asyncpg has not yet seen the socket close.
_SERVER_ENDED_SESSION = (
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
)


def _heal_without_pinging(engine: AsyncEngine) -> None:
    """The service heals by itself when the database comes back, without a round trip per
    checkout. asyncpg hears a server close an idle connection's socket while it waits in the
    pool, so a checkout refuses a closed one with a local check and the whole pool is
    invalidated (a restart ends every session: the siblings are stale too); the checkout then
    opens a fresh connection. A connection that dies during a request fails that request
    alone (503 database_unavailable with Retry-After) and invalidates the pool likewise."""

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _refuse_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise exc.InvalidatePoolError("the server closed this pooled connection")

    @event.listens_for(engine.sync_engine, "handle_error")
    def _mark_disconnects(context: ExceptionContext) -> None:
        cause = context.original_exception.__cause__
        if isinstance(cause, _SERVER_ENDED_SESSION):
            context.is_disconnect = True
        if context.is_disconnect:
            context.invalidate_pool_on_disconnect = True


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with factory() as session:
        yield session


# scope="function" closes the session before the response goes out, never after it.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def asyncpg_params(url: str) -> dict[str, object]:
    """asyncpg.connect's arguments for a SQLAlchemy URL (connections outside the pool)."""
    return _asyncpg_dsn(make_url(url))


def _asyncpg_dsn(url: URL) -> dict[str, object]:
    """Connection arguments for asyncpg itself, from a SQLAlchemy URL."""
    params: dict[str, object] = {
        "user": url.username,
        "password": url.password,
        "database": url.database,
    }
    host = url.query.get("host")
    params["host"] = host if isinstance(host, str) else url.host
    if url.port:
        params["port"] = url.port
    return params


async def create_database(url: str, *, drop_first: bool = False) -> None:
    """Create the database of `url` (UTF-8, C.UTF-8 locale) through the maintenance database."""
    target = make_url(url)
    maintenance = _asyncpg_dsn(target.set(database="postgres"))
    conn = await asyncpg.connect(**maintenance)
    try:
        name = target.database
        assert name is not None
        quoted = '"' + name.replace('"', '""') + '"'
        if drop_first:
            await conn.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            # template0 so the locale can differ from the cluster default; C.UTF-8 so that
            # trigram and case functions treat Chinese characters as letters.
            await conn.execute(
                f"CREATE DATABASE {quoted} TEMPLATE template0 ENCODING 'UTF8' "
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            )
    finally:
        await conn.close()


async def drop_database(url: str) -> None:
    target = make_url(url)
    conn = await asyncpg.connect(**_asyncpg_dsn(target.set(database="postgres")))
    try:
        assert target.database is not None
        quoted = '"' + target.database.replace('"', '""') + '"'
        await conn.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    finally:
        await conn.close()


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session's transaction, for the bulk paths (batch
    reads, COPY) where building ORM rows would cost more than the work itself."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    return driver


STREAM_BATCH_ROWS = 2000


async def stream_batches(
    session: AsyncSession, stmt: Executable
) -> AsyncIterator[Sequence[Row[Any]]]:
    """A statement's rows in batches through a server-side cursor: memory stays flat however
    many rows there are (the exports)."""
    result = await session.stream(stmt.execution_options(yield_per=STREAM_BATCH_ROWS))
    async for batch in result.partitions():
        yield batch


def constraint_name(error: BaseException) -> str | None:
    """The name of the constraint an IntegrityError broke, as asyncpg reports it."""
    original = getattr(error, "orig", None)
    cause = getattr(original, "__cause__", None)
    name = getattr(cause, "constraint_name", None)
    return name if isinstance(name, str) else None


class AdvisoryLock(IntEnum):
    """Keys of the transaction-level advisory locks that keep replicas from doubling work."""

    MIGRATIONS = 7_100_000
    BOOTSTRAP_ADMIN = 7_100_001
    DEMO_SEED = 7_100_002
    ALERT_SWEEP = 7_100_003
    RANKING_PUBLISH = 7_100_004
    CHANGE_FEED_PRUNE = 7_100_005
    LOGIN_THROTTLE = 7_100_006


async def take_advisory_lock(session: AsyncSession, lock: AdvisoryLock) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(lock)})


async def try_advisory_lock(session: AsyncSession, lock: AdvisoryLock) -> bool:
    """Like take_advisory_lock, but answers False at once when another holds it."""
    got = await session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": int(lock)})
    return bool(got)


async def take_keyed_lock(session: AsyncSession, lock: AdvisoryLock, key: str) -> None:
    """A transaction-level advisory lock on one thing of a kind (e.g. one pool's year): the
    two-integer form, the kind and a hash of the key, apart from the single-key locks."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:kind, hashtext(:key))"),
        {"kind": int(lock), "key": key},
    )
