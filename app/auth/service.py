"""Log-in, principals, users and API keys."""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import service as audit
from app.auth import repository
from app.auth.models import ApiKey, User
from app.auth.roles import Principal, Role
from app.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPage,
    ApiKeyRead,
    MeRead,
    TokenRead,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)
from app.auth.security import (
    DUMMY_PASSWORD_HASH,
    ExpiredToken,
    InvalidToken,
    api_key_matches,
    api_key_prefix,
    hash_password,
    issue_token,
    new_api_key,
    read_token,
    verify_password,
)
from app.config import Settings
from app.errors import NotFound, TooManyRequests, Unauthorized
from app.http import check_if_match
from app.modelkit import utcnow
from app.pagination import PageParams

logger = logging.getLogger(__name__)

# Writing last_used_at on every request would turn every read into a write.
API_KEY_USE_RESOLUTION = timedelta(minutes=1)


class UserNotFound(NotFound):
    code = "user_not_found"


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"


async def login(session: AsyncSession, settings: Settings, email: str, password: str) -> TokenRead:
    email = email.strip().lower()
    now = utcnow()
    window = timedelta(minutes=settings.login_window_minutes)
    failures = await repository.recent_failures(
        session, email, now - window, settings.login_max_failures
    )
    if len(failures) >= settings.login_max_failures:
        unlocks_at = failures[-1] + window
        raise TooManyRequests(
            f"Too many failed logins for this account; try again after {unlocks_at.isoformat()}.",
            code="login_throttled",
            retry_after_seconds=int((unlocks_at - now).total_seconds()) + 1,
        )
    user = await repository.get_user_by_email(session, email)
    valid = verify_password(user.password_hash if user else DUMMY_PASSWORD_HASH, password)
    if user is None or not valid or not user.is_active:
        await repository.add_failure(session, email, now)
        await repository.purge_failures(session, now - 4 * window)
        # The failure must survive the 401, or throttling would never engage.
        await session.commit()
        raise Unauthorized("The e-mail or password is wrong.", code="invalid_credentials")
    if failures:
        await repository.clear_failures(session, email)
        await session.commit()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    token, _ = issue_token(user.id, settings.signing_key(), lifetime)
    return TokenRead(access_token=token, expires_in=int(lifetime.total_seconds()))


async def resolve_principal(
    session: AsyncSession, settings: Settings, credential: str
) -> Principal:
    prefix = api_key_prefix(credential)
    if prefix is not None:
        return await _api_key_principal(session, prefix, credential)
    try:
        claims = read_token(credential, settings.signing_key())
    except ExpiredToken as exc:
        raise Unauthorized(
            "The access token has expired; log in again.", code="token_expired"
        ) from exc
    except InvalidToken as exc:
        raise Unauthorized("The access token is not valid.", code="invalid_token") from exc
    user = await repository.get_user(session, claims.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("The account is unknown or deactivated.", code="account_inactive")
    return Principal(
        kind="user",
        id=user.id,
        role=Role(user.role),
        email=user.email,
        enterprise_id=user.enterprise_id,
    )


async def _api_key_principal(session: AsyncSession, prefix: str, secret: str) -> Principal:
    key = await repository.get_api_key_by_prefix(session, prefix)
    if key is None or not api_key_matches(secret, key.key_hash):
        raise Unauthorized("The API key is not valid.", code="invalid_api_key")
    if key.revoked_at is not None:
        raise Unauthorized("The API key has been revoked.", code="api_key_revoked")
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > API_KEY_USE_RESOLUTION:
        key.last_used_at = now
        await session.commit()
    return Principal(kind="api_key", id=key.id, role=Role.INTEGRATION, scopes=frozenset(key.scopes))


async def count_api_key_request(
    session: AsyncSession, settings: Settings, principal: Principal
) -> None:
    """The per-key rate limit: fixed windows of `api_key_rate_window_seconds`, counted in
    PostgreSQL; over the limit answers 429 with Retry-After until the window ends."""
    window = settings.api_key_rate_window_seconds
    now = utcnow()
    start = datetime.fromtimestamp(now.timestamp() // window * window, UTC)
    count = await repository.count_request(session, principal.id, start)
    if count == 1:
        await repository.purge_windows(session, principal.id, start)
    # Counted even when refused: a client hammering past the limit stays limited.
    await session.commit()
    if count > settings.api_key_rate_limit:
        ends = start + timedelta(seconds=window)
        raise TooManyRequests(
            f"This API key made more than {settings.api_key_rate_limit} requests in "
            f"{window} seconds; try again after {ends.isoformat()}.",
            code="rate_limited",
            retry_after_seconds=int((ends - now).total_seconds()) + 1,
        )


def me(principal: Principal) -> MeRead:
    return MeRead(
        kind=principal.kind,
        id=principal.id,
        role=principal.role,
        email=principal.email,
        enterprise_id=principal.enterprise_id,
        scopes=sorted(principal.scopes),
    )


async def create_user(session: AsyncSession, actor: Principal | None, data: UserCreate) -> UserRead:
    user = await repository.add_user(
        session,
        User(
            email=data.email,
            password_hash=hash_password(data.password),
            role=data.role.value,
            display_name=data.display_name,
            enterprise_id=data.enterprise_id,
            is_active=True,
        ),
    )
    created = UserRead.model_validate(user)
    audit.record(session, actor, "user.create", "user", user.id, after=audit.snapshot(created))
    await session.commit()
    return created


async def list_users(
    session: AsyncSession, page: PageParams, *, role: Role | None, is_active: bool | None
) -> UserPage:
    rows = await repository.list_users(
        session,
        role=role.value if role else None,
        is_active=is_active,
        after=page.after(2),
        limit=page.limit,
    )
    items, cursor = page.paginate(rows, lambda u: (u.created_at, u.id))
    return UserPage(items=[UserRead.model_validate(u) for u in items], next_cursor=cursor)


async def _load_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await repository.get_user(session, user_id)
    if user is None:
        raise UserNotFound(f"user {user_id} does not exist")
    return user


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> tuple[UserRead, int]:
    user = await _load_user(session, user_id)
    return UserRead.model_validate(user), user.version


async def update_user(
    session: AsyncSession,
    actor: Principal,
    user_id: uuid.UUID,
    data: UserUpdate,
    if_match: str | None,
) -> tuple[UserRead, int]:
    user = await _load_user(session, user_id)
    check_if_match(if_match, user.version)
    before = UserRead.model_validate(user)
    changes = data.model_dump(exclude_unset=True)
    if "display_name" in changes:
        user.display_name = changes["display_name"]
    if changes.get("is_active") is not None:
        user.is_active = changes["is_active"]
    if changes.get("password") is not None:
        user.password_hash = hash_password(changes["password"])
    await session.flush()
    after = UserRead.model_validate(user)
    audit.record(
        session,
        actor,
        "user.update",
        "user",
        user.id,
        before=audit.snapshot(before),
        after=after.model_dump(mode="json") | {"password_changed": "password" in changes},
    )
    await session.commit()
    return after, user.version


async def deactivate_user(session: AsyncSession, actor: Principal, user_id: uuid.UUID) -> None:
    user = await _load_user(session, user_id)
    if not user.is_active:
        return
    before = UserRead.model_validate(user)
    user.is_active = False
    await session.flush()
    audit.record(
        session,
        actor,
        "user.deactivate",
        "user",
        user.id,
        before=audit.snapshot(before),
        after=audit.snapshot(UserRead.model_validate(user)),
    )
    await session.commit()


async def create_api_key(
    session: AsyncSession, actor: Principal, data: ApiKeyCreate
) -> ApiKeyCreated:
    fresh = new_api_key()
    key = await repository.add_api_key(
        session,
        ApiKey(
            name=data.name,
            prefix=fresh.prefix,
            key_hash=fresh.key_hash,
            scopes=sorted({scope.value for scope in data.scopes}),
            created_by=actor.id if actor.kind == "user" else None,
        ),
    )
    read = ApiKeyRead.model_validate(key)
    audit.record(session, actor, "api_key.create", "api_key", key.id, after=audit.snapshot(read))
    await session.commit()
    return ApiKeyCreated(**read.model_dump(), key=fresh.secret)


async def list_api_keys(
    session: AsyncSession, page: PageParams, *, include_revoked: bool
) -> ApiKeyPage:
    rows = await repository.list_api_keys(
        session, include_revoked=include_revoked, after=page.after(2), limit=page.limit
    )
    items, cursor = page.paginate(rows, lambda k: (k.created_at, k.id))
    return ApiKeyPage(items=[ApiKeyRead.model_validate(k) for k in items], next_cursor=cursor)


async def revoke_api_key(session: AsyncSession, actor: Principal, key_id: uuid.UUID) -> None:
    key = await repository.get_api_key(session, key_id)
    if key is None:
        raise ApiKeyNotFound(f"API key {key_id} does not exist")
    if key.revoked_at is not None:
        return
    before = ApiKeyRead.model_validate(key)
    key.revoked_at = utcnow()
    await session.flush()
    audit.record(
        session,
        actor,
        "api_key.revoke",
        "api_key",
        key.id,
        before=audit.snapshot(before),
        after=audit.snapshot(ApiKeyRead.model_validate(key)),
    )
    await session.commit()


async def ensure_first_admin(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings
) -> str | None:
    """On an empty database create the first administrator; answer a generated password."""
    async with session_factory() as session:
        # Replicas starting together must not both create one.
        await repository.lock_bootstrap(session)
        if await repository.count_users(session) > 0:
            return None
        generated: str | None = None
        email = settings.bootstrap_admin_email
        password = settings.bootstrap_admin_password
        if not (email and password):
            if not settings.embedded:
                return None
            email, password = "admin@example.com", secrets.token_urlsafe(12)
            generated = password
        await create_user(
            session,
            None,
            UserCreate(
                email=email, password=password, role=Role.ADMIN, display_name="Administrator"
            ),
        )
        logger.info("created the first administrator %s", email)
        return generated
