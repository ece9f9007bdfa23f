"""Password hashing (Argon2id, memory-hard), signed access tokens, API key secrets."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import os
import secrets
import threading
import uuid
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

T = TypeVar("T")
_hasher = PasswordHasher()  # Argon2id with the library's RFC 9106 low-memory profile
API_KEY_PREFIX = "tak_"
TOKEN_ALGORITHM = "HS256"  # noqa: S105
TOKEN_AUDIENCE = "tech-accompaniment"  # noqa: S105


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verifying against this keeps a login for an unknown e-mail as slow as one for a known one.
DUMMY_PASSWORD_HASH = hash_password(secrets.token_urlsafe(16))

# One gate per event loop and size: an asyncio.Semaphore belongs to the loop that first waits
# on it, and tests run several loops (a live server's thread, the test's own).
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


# The hashing threads, shared by every loop of the process (one pool per size).
_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()
HASHING_NICENESS = 19


def _yield_the_cpu() -> None:
    """Run in each hashing thread as it starts: a lower CPU priority for it and the threads
    Argon2 starts from it (one per lane; Linux threads inherit it), so that a flood of
    logins takes what CPU the requests leave instead of starving the event loop."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


def _pool(concurrency: int) -> ThreadPoolExecutor:
    with _pools_lock:
        if concurrency not in _pools:
            _pools[concurrency] = ThreadPoolExecutor(
                concurrency, thread_name_prefix="argon2", initializer=_yield_the_cpu
            )
        return _pools[concurrency]


async def _off_loop(concurrency: int, work: Callable[[], T]) -> T:
    """Run CPU-bound work in a worker thread, at most `concurrency` at once: a hash takes
    tens of milliseconds and 64 MiB, so on the loop it would stall every other request, and
    unbounded it would exhaust memory under a flood of logins. Waiters queue on the
    semaphore, so a request cancelled while waiting never hashes."""
    loop = asyncio.get_running_loop()
    gate = _gates.setdefault(loop, {}).setdefault(concurrency, asyncio.Semaphore(concurrency))
    async with gate:
        return await loop.run_in_executor(_pool(concurrency), work)


async def hash_password_off_loop(password: str, concurrency: int) -> str:
    return await _off_loop(concurrency, lambda: hash_password(password))


async def verify_password_off_loop(password_hash: str, password: str, concurrency: int) -> bool:
    return await _off_loop(concurrency, lambda: verify_password(password_hash, password))


@dataclass(frozen=True)
class TokenClaims:
    user_id: uuid.UUID
    credential_version: int
    issued_at: datetime
    expires_at: datetime


def issue_token(
    user_id: uuid.UUID, credential_version: int, secret: str, lifetime: timedelta
) -> tuple[str, datetime]:
    now = datetime.now(UTC)
    expires = now + lifetime
    token = jwt.encode(
        {
            "sub": str(user_id),
            # The user's credential version when issued; a token naming an older one is revoked.
            "cv": credential_version,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "aud": TOKEN_AUDIENCE,
            "jti": secrets.token_hex(8),
        },
        secret,
        algorithm=TOKEN_ALGORITHM,
    )
    return token, expires


class InvalidToken(Exception):
    pass


class ExpiredToken(InvalidToken):
    pass


def read_token(token: str, secret: str) -> TokenClaims:
    claims = _verified_claims(token, secret)
    # PyJWT's rule: a token is expired from its `exp` second on.
    if claims.expires_at <= datetime.now(UTC):
        raise ExpiredToken("the token has expired")
    return claims


# A client sends the same token for up to its lifetime; checking its signature again on every
# request cost a tenth of a read. What is cached is only the verdict on the bytes (signature,
# audience, claims present and typed), bound to the secret; expiry is checked on every use
# above, and revocation is the credential version's, judged on every use by the caller.
# Invalid tokens raise, so they are never cached.
@functools.lru_cache(maxsize=8192)
def _verified_claims(token: str, secret: str) -> TokenClaims:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[TOKEN_ALGORITHM],
            audience=TOKEN_AUDIENCE,
            options={"require": ["sub", "exp", "iat", "cv"], "verify_exp": False},
        )
        version = claims["cv"]
        if type(version) is not int:
            raise InvalidToken("the credential version is not an integer")
        return TokenClaims(
            user_id=uuid.UUID(claims["sub"]),
            credential_version=version,
            issued_at=datetime.fromtimestamp(claims["iat"], UTC),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError) as exc:
        raise InvalidToken("the token is not valid") from exc


@dataclass(frozen=True)
class NewApiKey:
    prefix: str
    secret: str
    key_hash: str


def new_api_key() -> NewApiKey:
    prefix = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(prefix=prefix, secret=secret, key_hash=hash_api_key(secret))


def hash_api_key(secret: str) -> str:
    # Keys carry 256 random bits, so a fast hash cannot be brute-forced; a slow one
    # would only slow every integration request.
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_prefix(secret: str) -> str | None:
    if not secret.startswith(API_KEY_PREFIX):
        return None
    prefix, sep, _ = secret[len(API_KEY_PREFIX) :].partition("_")
    return prefix if sep and len(prefix) == 12 else None


def api_key_matches(secret: str, key_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(secret), key_hash)
