from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ApiKey, ApiKeyWindow, LoginFailure, User
from app.auth.principals import CHANNEL, Kind
from app.db import AdvisoryLock, constraint_name, take_advisory_lock, take_keyed_lock
from app.errors import Conflict, ProblemCode, Unprocessable
from app.i18n import _
from app.pagination import SortKey

USER_ORDER = (SortKey(User.created_at), SortKey(User.id))
API_KEY_ORDER = (SortKey(ApiKey.created_at), SortKey(ApiKey.id))


class DuplicateEmail(Conflict):
    code = ProblemCode.DUPLICATE_EMAIL


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.lower()))


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def add_user(session: AsyncSession, user: User) -> User:
    session.add(user)
    await flush_user(session, user.email)
    return user


async def flush_user(session: AsyncSession, email: str) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        name = constraint_name(exc)
        if name == "uq_app_user_email":
            raise DuplicateEmail(
                _("a user with e-mail {email} already exists", email=email)
            ) from exc
        if name == "fk_app_user_enterprise_id_enterprise":
            raise Unprocessable(
                _("enterprise_id names no enterprise"),
                code=ProblemCode.UNKNOWN_ENTERPRISE,
                loc=["body", "enterprise_id"],
            ) from exc
        raise


def users(*, role: str | None, is_active: bool | None) -> Select[User]:
    """The users list's rows (paged, ordered and counted by the caller's PageParams)."""
    stmt = select(User)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if is_active is not None:
        stmt = stmt.where(User.is_active == is_active)
    return stmt


async def lock_login_address(session: AsyncSession, address: str) -> None:
    """Logins from one client address pass one at a time, on every replica, until the
    transaction ends: what they count and record cannot interleave."""
    await take_keyed_lock(session, AdvisoryLock.LOGIN_THROTTLE, address)


async def recent_failures(
    session: AsyncSession, address: str, since: datetime, limit: int, *, email: str | None = None
) -> list[datetime]:
    """The latest failed-login times from `address` (for `email` only, when given) since
    `since`, newest first."""
    stmt = select(LoginFailure.failed_at).where(
        LoginFailure.address == address, LoginFailure.failed_at > since
    )
    if email is not None:
        stmt = stmt.where(LoginFailure.email == email)
    return list(await session.scalars(stmt.order_by(LoginFailure.failed_at.desc()).limit(limit)))


async def add_failure(session: AsyncSession, email: str, address: str, at: datetime) -> None:
    session.add(LoginFailure(email=email, address=address, failed_at=at))
    await session.flush()


async def clear_failures(session: AsyncSession, email: str, address: str) -> None:
    await session.execute(
        delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.address == address)
    )


async def purge_failures(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.failed_at < before))


async def lock_active_admins(session: AsyncSession) -> list[uuid.UUID]:
    """The active administrators, their rows locked until the transaction ends, so that two
    requests removing administrators at once are judged one after the other."""
    stmt = (
        select(User.id)
        .where(User.role == "admin", User.is_active.is_(True))
        .order_by(User.id)
        .with_for_update()
    )
    return list(await session.scalars(stmt))


async def get_api_key(session: AsyncSession, key_id: uuid.UUID) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def get_api_key_by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    return await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


async def touch_api_key(session: AsyncSession, key_id: uuid.UUID, at: datetime) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=at))


async def announce_principal_change(session: AsyncSession, kind: Kind, key: str) -> None:
    """Tell every worker's principal cache to forget a user (by id) or an API key (by
    prefix) when, and only if, the transaction commits."""
    await session.execute(select(func.pg_notify(CHANNEL, f"{kind}:{key}")))


async def add_api_key(session: AsyncSession, key: ApiKey) -> ApiKey:
    session.add(key)
    await session.flush()
    return key


def api_keys(*, include_revoked: bool) -> Select[ApiKey]:
    """The API keys list's rows (paged, ordered and counted by the caller's PageParams)."""
    stmt = select(ApiKey)
    if not include_revoked:
        stmt = stmt.where(ApiKey.revoked_at.is_(None))
    return stmt


async def lock_bootstrap(session: AsyncSession) -> None:
    await take_advisory_lock(session, AdvisoryLock.BOOTSTRAP_ADMIN)


async def count_request(session: AsyncSession, key_id: uuid.UUID, window_start: datetime) -> int:
    """Count one request in the key's window; answers the window's count so far. The upsert
    takes the row's lock, so concurrent requests on any replica count exactly."""
    stmt = (
        insert(ApiKeyWindow)
        .values(api_key_id=key_id, window_start=window_start, requests=1)
        .on_conflict_do_update(
            index_elements=["api_key_id", "window_start"],
            set_={"requests": ApiKeyWindow.requests + 1},
        )
        .returning(ApiKeyWindow.requests)
    )
    return int((await session.execute(stmt)).scalar_one())


async def purge_windows(session: AsyncSession, key_id: uuid.UUID, before: datetime) -> None:
    await session.execute(
        delete(ApiKeyWindow).where(
            ApiKeyWindow.api_key_id == key_id, ApiKeyWindow.window_start < before
        )
    )
