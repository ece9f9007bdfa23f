"""A worker's cache of the users and API keys that requests authenticate as, so that most
requests resolve their principal without a database round trip.

Revocation is never slower than the cache: a change of password, role or status and an API
key's revocation evict the entry on the worker that made it as the change commits, and on
every other worker and replica through PostgreSQL's LISTEN/NOTIFY (the writer's
`pg_notify('principal_changed', '<kind>:<id>')` is delivered only if its transaction
commits). Each worker keeps one connection LISTENing; while it is not listening (not yet
connected, lost, the database down) the cache is empty and bypassed, so a notification that
could not be heard never keeps a revoked principal alive. Entries also expire after
PRINCIPAL_CACHE_SECONDS, a backstop for a connection that dies silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar

import asyncpg

from app.auth.models import ApiKey, User
from app.db import asyncpg_params

logger = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")
CHANNEL = "principal_changed"
Kind = Literal["user", "api_key"]
# Beyond this many entries of a kind the kind starts afresh: memory stays bounded.
MAX_ENTRIES = 10_000
# A silent listener connection is found within this many seconds (plus the query's timeout).
HEARTBEAT_SECONDS = 5.0
RECONNECT_SECONDS = 1.0
# Connections a worker holds outside its pool: the one that LISTENs (count it in the budget).
LISTENER_CONNECTIONS = 1


@dataclass(frozen=True)
class UserRecord:
    """What judging a user's token needs of the user's row."""

    id: uuid.UUID
    role: str
    email: str
    enterprise_id: uuid.UUID | None
    is_active: bool
    credential_version: int

    @classmethod
    def of(cls, user: User) -> UserRecord:
        return cls(
            id=user.id,
            role=user.role,
            email=user.email,
            enterprise_id=user.enterprise_id,
            is_active=user.is_active,
            credential_version=user.credential_version,
        )


@dataclass(frozen=True)
class ApiKeyRecord:
    """What judging an API key needs of its row."""

    id: uuid.UUID
    key_hash: str
    scopes: frozenset[str]
    revoked: bool
    expires_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyRecord:
        return cls(
            id=key.id,
            key_hash=key.key_hash,
            scopes=frozenset(key.scopes),
            revoked=key.revoked_at is not None,
            expires_at=key.expires_at,
        )


class PrincipalCache:
    """Users by id and API keys by prefix, filled by the requests that read them.

    A request takes a `ticket()` before it reads a row and hands it back with the row; any
    eviction in between voids the ticket, so a row read before a revocation committed is
    never stored after the revocation evicted it."""

    def __init__(self, listen_url: str | None, max_age_seconds: float) -> None:
        self._listen_url = listen_url
        self._max_age = max_age_seconds
        self._users: dict[uuid.UUID, tuple[float, UserRecord]] = {}
        self._keys: dict[str, tuple[float, ApiKeyRecord]] = {}
        self._generation = 0
        self._listening = False
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return self._listening

    def ticket(self) -> int:
        return self._generation

    def user(self, user_id: uuid.UUID) -> UserRecord | None:
        return self._fresh(self._users, user_id)

    def keep_user(self, ticket: int, record: UserRecord) -> None:
        self._keep(self._users, ticket, record.id, record)

    def api_key(self, prefix: str) -> ApiKeyRecord | None:
        return self._fresh(self._keys, prefix)

    def keep_api_key(self, ticket: int, prefix: str, record: ApiKeyRecord) -> None:
        self._keep(self._keys, ticket, prefix, record)

    def evict(self, kind: Kind, key: str) -> None:
        """Forget one user (by id) or API key (by prefix); unknown ones are no-ops."""
        self._generation += 1
        if kind == "user":
            with contextlib.suppress(ValueError):
                self._users.pop(uuid.UUID(key), None)
        else:
            self._keys.pop(key, None)

    def clear(self) -> None:
        self._generation += 1
        self._users.clear()
        self._keys.clear()

    def _fresh(self, entries: dict[K, tuple[float, V]], key: K) -> V | None:
        if not self._listening:
            return None
        entry = entries.get(key)
        if entry is None:
            return None
        stored_at, record = entry
        if time.monotonic() - stored_at > self._max_age:
            del entries[key]
            return None
        return record

    def _keep(self, entries: dict[K, tuple[float, V]], ticket: int, key: K, value: V) -> None:
        if not self._listening or ticket != self._generation:
            return
        if len(entries) >= MAX_ENTRIES:
            entries.clear()
        entries[key] = (time.monotonic(), value)

    # The listener.

    async def start(self) -> None:
        if self._listen_url is not None and self._max_age > 0:
            self._task = asyncio.create_task(self._listen(self._listen_url))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _stop_listening(self) -> None:
        self._listening = False
        self.clear()

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        kind, _, key = payload.partition(":")
        if kind in ("user", "api_key"):
            self.evict("user" if kind == "user" else "api_key", key)
        else:
            self.clear()

    async def _listen(self, url: str) -> None:
        while True:
            try:
                await self._listen_once(url)
            except Exception as exc:  # whatever it was, the cache stays bypassed until it heals
                logger.warning("principal cache bypassed: its listener failed (%s)", exc)
            finally:
                self._stop_listening()
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen_once(self, url: str) -> None:
        params = asyncpg_params(url) | {
            "timeout": HEARTBEAT_SECONDS,
            "server_settings": {"application_name": "tech-accompaniment-listener"},
        }
        conn: asyncpg.Connection = await asyncpg.connect(**params)
        lost = asyncio.Event()

        def terminated(_conn: object) -> None:
            # At once, not when the heartbeat notices: notifications stop with the socket.
            self._stop_listening()
            lost.set()

        try:
            conn.add_termination_listener(terminated)
            # Looked up at each notification, so that a test can hold them back.
            await conn.add_listener(CHANNEL, lambda *event: self._notified(*event))
            # Whatever was cached before is from a time nobody listened.
            self.clear()
            self._listening = True
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), HEARTBEAT_SECONDS)
                    return
                await conn.fetchval("SELECT 1", timeout=HEARTBEAT_SECONDS)
        finally:
            self._stop_listening()
            conn.terminate()
