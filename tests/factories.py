"""Test data: factories flush, never commit (the test's transaction is rolled back)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ApiKey, User
from app.auth.roles import Role
from app.auth.security import hash_password, issue_token, new_api_key
from tests.conftest import TEST_SECRET

PASSWORD = "correct-horse-battery"
# Hashing is deliberately slow; factories hash once and reuse it.
PASSWORD_HASH = hash_password(PASSWORD)


async def make_user(
    session: AsyncSession,
    role: Role = Role.ADMIN,
    *,
    email: str | None = None,
    enterprise_id: uuid.UUID | None = None,
    is_active: bool = True,
) -> User:
    user = User(
        email=email or f"{role.value}-{uuid.uuid4().hex[:8]}@example.com",
        password_hash=PASSWORD_HASH,
        role=role.value,
        enterprise_id=enterprise_id,
        is_active=is_active,
    )
    session.add(user)
    await session.flush()
    return user


def bearer(user: User, lifetime: timedelta = timedelta(minutes=30)) -> dict[str, str]:
    token, _ = issue_token(user.id, TEST_SECRET, lifetime)
    return {"Authorization": f"Bearer {token}"}


async def make_api_key(
    session: AsyncSession, *, scopes: list[str] | None = None
) -> tuple[ApiKey, str]:
    fresh = new_api_key()
    key = ApiKey(
        name="integration", prefix=fresh.prefix, key_hash=fresh.key_hash, scopes=scopes or []
    )
    session.add(key)
    await session.flush()
    return key, fresh.secret


async def headers_for(session: AsyncSession, role: Role, **kwargs: object) -> dict[str, str]:
    if role is Role.INTEGRATION:
        _, secret = await make_api_key(session)
        return {"Authorization": f"Bearer {secret}"}
    user = await make_user(session, role, **kwargs)  # type: ignore[arg-type]
    return bearer(user)
