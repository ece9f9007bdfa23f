"""`Idempotency-Key` on POST: the same key and body within the retention window answer the
first response again and create nothing twice, across replicas (the record is in PostgreSQL).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import ProblemCode, is_database_down, problem_response
from app.i18n import _
from app.idempotency import repository
from app.idempotency.models import IdempotencyRecord
from app.modelkit import utcnow

logger = logging.getLogger(__name__)

KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
EXCLUDED_PATHS = frozenset({"/api/v1/auth/token"})
# Statuses a retry should be allowed to change: the server failed, or asked to slow down.
NOT_STORED = frozenset({408, 429})
POLL_SECONDS = 0.05
# Set by an operation whose answer carries a secret (an API key's): such an answer is never
# stored, only a note that it was given (see `_secret_note`). Never sent to the client.
MARKER_HEADER = "x-internal-carries-secret"
NOT_REPLAYED_CODE = ProblemCode.IDEMPOTENT_SECRET_NOT_REPLAYED


def mark_secret(response: Response) -> None:
    """Mark a response as carrying a secret: the idempotency layer will not keep it."""
    response.headers[MARKER_HEADER] = "1"


def _without_marker(headers: list[tuple[bytes, bytes]]) -> tuple[list[tuple[bytes, bytes]], bool]:
    kept = [(k, v) for k, v in headers if k.lower() != MARKER_HEADER.encode()]
    return kept, len(kept) != len(headers)


def _strip_marker(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers, _marked = _without_marker(list(message.get("headers", [])))
            message = {**message, "headers": headers}
        await send(message)

    return sending


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, retention: timedelta, wait_seconds: float = 30.0) -> None:
        self.app = app
        self.retention = retention
        self.wait_seconds = wait_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] in EXCLUDED_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get("idempotency-key")
        if key is None:
            await self.app(scope, receive, _strip_marker(send))
            return
        if not KEY_PATTERN.match(key):
            await problem_response(
                422,
                ProblemCode.INVALID_IDEMPOTENCY_KEY,
                _("Idempotency-Key must be 1 to 255 visible ASCII characters."),
            )(scope, receive, send)
            return
        body = await _read_body(receive)
        fingerprint = hashlib.sha256(
            b"\n".join([scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()
        credential = hashlib.sha256(headers.get("authorization", "").encode()).hexdigest()
        factory: async_sessionmaker[AsyncSession] = scope["app"].state.session_factory
        try:
            await self._handle(scope, send, factory, credential, key, fingerprint, body)
        except Exception as exc:
            if not is_database_down(exc):
                raise
            await problem_response(
                503,
                ProblemCode.DATABASE_UNAVAILABLE,
                _("The database is unreachable; try again shortly."),
                headers={"Retry-After": "5"},
            )(scope, receive, send)

    async def _handle(
        self,
        scope: Scope,
        send: Send,
        factory: async_sessionmaker[AsyncSession],
        credential: str,
        key: str,
        fingerprint: str,
        body: bytes,
    ) -> None:
        deadline = asyncio.get_running_loop().time() + self.wait_seconds
        while True:
            now = utcnow()
            async with factory() as session:
                await repository.purge_older_than(session, now - self.retention)
                claimed = await repository.claim(session, credential, key, fingerprint, now)
                await session.commit()
                record = None if claimed else await repository.get(session, credential, key)
            if claimed:
                await self._run_and_store(scope, send, factory, credential, key, body)
                return
            if record is None:
                continue  # released between our claim and read: claim again
            if record.fingerprint != fingerprint:
                await problem_response(
                    422,
                    ProblemCode.IDEMPOTENCY_KEY_REUSED,
                    _("This Idempotency-Key was used with another request body."),
                )(scope, _empty_receive, send)
                return
            if record.completed_at is not None:
                await _replay(record, scope, send)
                return
            if asyncio.get_running_loop().time() > deadline:
                await problem_response(
                    409,
                    ProblemCode.IDEMPOTENCY_IN_PROGRESS,
                    _("A request with this Idempotency-Key is still being processed."),
                    headers={"Retry-After": "1"},
                )(scope, _empty_receive, send)
                return
            await asyncio.sleep(POLL_SECONDS)

    async def _run_and_store(
        self,
        scope: Scope,
        send: Send,
        factory: async_sessionmaker[AsyncSession],
        credential: str,
        key: str,
        body: bytes,
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, _replaying_receive(body), capture)
        except BaseException:
            async with factory() as session:
                await repository.release(session, credential, key)
                await session.commit()
            raise
        assert start is not None
        sent_headers, secret = _without_marker(list(start["headers"]))
        start = {**start, "headers": sent_headers}
        status = int(start["status"])
        response_body = b"".join(chunks)
        kept_status, kept_headers, kept_body = (
            _secret_note(sent_headers) if secret else (status, sent_headers, response_body)
        )
        async with factory() as session:
            if status >= 500 or status in NOT_STORED:
                await repository.release(session, credential, key)
            else:
                await repository.complete(
                    session,
                    credential,
                    key,
                    status_code=kept_status,
                    headers=[
                        [k.decode("latin-1"), v.decode("latin-1")]
                        for k, v in kept_headers
                        if k.lower() != b"x-request-id"
                    ],
                    body=kept_body,
                    now=utcnow(),
                )
            # Stored before the client hears the answer, so a retry always finds it.
            await session.commit()
        await send(start)
        await send({"type": "http.response.body", "body": response_body, "more_body": False})


def _secret_note(
    headers: list[tuple[bytes, bytes]],
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """What a repeat gets instead of an answer that carried a secret: 409 naming what was
    created (its Location), the secret nowhere, neither in the table nor on the wire."""
    location = next((v.decode("latin-1") for k, v in headers if k.lower() == b"location"), "")
    created = location.rstrip("/").rsplit("/", 1)[-1] or "the resource"
    note = problem_response(
        409,
        NOT_REPLAYED_CODE,
        _(
            "This Idempotency-Key already created {created} ({location}); its secret was shown "
            "only in that first answer and is not kept. If it was lost, revoke that one and "
            "create another.",
            created=created,
            location=location,
        ),
        headers={"Location": location} if location else None,
    )
    return note.status_code, list(note.raw_headers), bytes(note.body)


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _replaying_receive(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # like a client that keeps the connection open
        return {"type": "http.disconnect"}

    return receive


async def _empty_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _replay(record: IdempotencyRecord, scope: Scope, send: Send) -> None:
    stored: list[Any] = record.headers or []
    headers = [(str(k).encode("latin-1"), str(v).encode("latin-1")) for k, v in stored]
    headers.append((b"idempotent-replayed", b"true"))
    await send(
        {"type": "http.response.start", "status": record.status_code or 200, "headers": headers}
    )
    await send({"type": "http.response.body", "body": record.body or b"", "more_body": False})
