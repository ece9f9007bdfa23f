"""Engine, session factory and the database the service runs on."""

from __future__ import annotations

import asyncio
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
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, UOWTransaction
from sqlalchemy.sql.base import Executable
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class ReadOnlySession(Session):
    """A read's session: its statements run without a transaction around them (no BEGIN and
    ROLLBACK round trips), and it refuses to write.

    Nothing is lost by leaving the transaction out: under READ COMMITTED, PostgreSQL's level
    here, every statement takes its own snapshot whether or not a transaction surrounds it. A
    read that needs one snapshot for several statements, or a server-side cursor, opens a
    transactional session of its own (the exports do)."""


class ReadOnlySessionError(RuntimeError):
    """A read's session was asked to write: the code that did it belongs on a write path."""


@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_flush(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    raise ReadOnlySessionError("a read's session does not write (flush refused)")


@event.listens_for(ReadOnlySession, "do_orm_execute")
def _refuse_writing_statements(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlySessionError("a read's session does not write (statement refused)")


def read_session_factory(
    factory: async_sessionmaker[AsyncSession],
) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads, beside `factory`'s: on an engine, connections of the same pool in
    autocommit (asyncpg's flag: switching it costs no round trip); on a connection (a test's
    outer transaction), that connection, so that a test reads what it wrote."""
    bind = factory.kw["bind"]
    if isinstance(bind, AsyncEngine):
        bind = bind.execution_options(isolation_level="AUTOCOMMIT")
    return async_sessionmaker(**{**factory.kw, "bind": bind, "sync_session_class": ReadOnlySession})


READ_METHODS = frozenset({"GET", "HEAD"})


# Where a request keeps its session: in the ASGI scope, which the middleware below shares
# with the request (MethodsMiddleware answers HEAD with a copy of the scope, so this
# middleware sits under it).
_REQUEST_SESSION = "tech_accompaniment.session"


async def request_session(request: Request) -> AsyncSession:
    """The request's session, opened on first use: a read's (no transaction) for GET and
    HEAD, a transactional one otherwise. RequestSessionMiddleware closes it.

    Not a generator dependency: FastAPI enters each of those through an exit stack and a
    shielded cancel scope, which cost a read more than its query did."""
    scope = request.scope
    session: AsyncSession | None = scope.get(_REQUEST_SESSION)
    if session is None:
        state = request.app.state
        factory: async_sessionmaker[AsyncSession] = (
            state.read_session_factory if request.method in READ_METHODS else state.session_factory
        )
        session = scope[_REQUEST_SESSION] = factory()
    return session


SessionDep = Annotated[AsyncSession, Depends(request_session)]


class RequestSessionMiddleware:
    """Closes the session a request opened as its answer starts, before the first byte leaves:
    a connection goes back to the pool as soon as the handler is done with it, and whatever
    the handler did not commit is rolled back before the client can act on the answer. An
    exception closes it too. (Other scopes, lifespan and websockets, open no session and
    pass through untouched.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def close_then_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                await _close_session(scope)
            await send(message)

        try:
            await self.app(scope, receive, close_then_send)
        finally:
            await _close_session(scope)


async def _close_session(scope: Scope) -> None:
    session: AsyncSession | None = scope.pop(_REQUEST_SESSION, None)
    if session is not None:
        # Shielded: a cancelled request still hands its connection back cleanly.
        await asyncio.shield(session.close())


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
    OUTBOX_PRUNE = 7_100_007


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
