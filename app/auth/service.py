"""Log-in, principals, users and API keys."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clock
from app.audit import service as audit
from app.auth import repository
from app.auth.models import ApiKey, User
from app.auth.principals import ApiKeyRecord, PrincipalCache, UserRecord
from app.auth.roles import LoginRole, Principal, Role
from app.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPage,
    ApiKeyRead,
    MeRead,
    Password,
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
    TokenClaims,
    api_key_matches,
    api_key_prefix,
    hash_password_off_loop,
    issue_token,
    new_api_key,
    read_token,
    verify_password_off_loop,
)
from app.config import Settings
from app.errors import Conflict, NotFound, ProblemCode, TooManyRequests, Unauthorized, Unprocessable
from app.http import check_if_match
from app.i18n import N_, _
from app.modelkit import utcnow
from app.pagination import PageParams, Sorts

logger = logging.getLogger(__name__)
# The request's session, opened only if asked for (a warm principal cache never asks).
SessionSource = Callable[[], Awaitable[AsyncSession]]


class UserNotFound(NotFound):
    code = ProblemCode.USER_NOT_FOUND


class ApiKeyNotFound(NotFound):
    code = ProblemCode.API_KEY_NOT_FOUND


class LastAdmin(Conflict):
    code = ProblemCode.LAST_ADMIN


async def login(
    session: AsyncSession, settings: Settings, email: str, password: str, address: str
) -> TokenRead:
    email = email.strip().lower()
    now = utcnow()
    await repository.lock_login_address(session, address)
    await _refuse_when_throttled(session, settings, email, address, now)
    # Counted as a failure until the password is checked, so that logins checked at the same
    # time see each other: at most LOGIN_MAX_FAILURES of them are ever evaluated.
    await repository.add_failure(session, email, address, now)
    user = await repository.get_user_by_email(session, email)
    # Releases the lock and the connection: the hash runs with neither held.
    await session.commit()
    valid = await verify_password_off_loop(
        user.password_hash if user else DUMMY_PASSWORD_HASH,
        password,
        settings.password_hash_concurrency,
    )
    if user is None or not valid or not user.is_active:
        await repository.purge_failures(
            session, now - 4 * timedelta(minutes=settings.login_window_minutes)
        )
        await session.commit()
        raise Unauthorized(
            _("The e-mail or password is wrong."), code=ProblemCode.INVALID_CREDENTIALS
        )
    # A success forgets this address's failures for the account, the one just counted included.
    await repository.clear_failures(session, email, address)
    await session.commit()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    token, _expires = issue_token(
        user.id, user.credential_version, settings.signing_key(), lifetime
    )
    return TokenRead(access_token=token, expires_in=int(lifetime.total_seconds()))


async def _refuse_when_throttled(
    session: AsyncSession, settings: Settings, email: str, address: str, now: datetime
) -> None:
    """429 when this address failed too often for this account, or for any accounts. Keyed by
    address too, so that failures from elsewhere never lock the account's owner out."""
    window = timedelta(minutes=settings.login_window_minutes)
    limits = (
        (settings.login_max_failures, email, ProblemCode.LOGIN_THROTTLED, N_("for this account")),
        (
            settings.login_address_max_failures,
            None,
            ProblemCode.LOGIN_ADDRESS_THROTTLED,
            N_("from here"),
        ),
    )
    for limit, account, code, scope in limits:
        failures = await repository.recent_failures(
            session, address, now - window, limit, email=account
        )
        if len(failures) >= limit:
            await session.rollback()
            unlocks_at = failures[-1] + window
            raise TooManyRequests(
                _(
                    "Too many failed logins {scope}; try again after {unlocks_at}.",
                    scope=_(scope),
                    unlocks_at=unlocks_at.isoformat(),
                ),
                code=code,
                retry_after_seconds=int((unlocks_at - now).total_seconds()) + 1,
            )


async def resolve_principal(
    session: SessionSource, settings: Settings, principals: PrincipalCache, credential: str
) -> Principal:
    """The principal a credential stands for; `session` is asked for only when the cache
    cannot answer."""
    prefix = api_key_prefix(credential)
    if prefix is not None:
        return await _api_key_principal(session, principals, prefix, credential)
    try:
        claims = read_token(credential, settings.signing_key())
    except ExpiredToken as exc:
        raise Unauthorized(
            _("The access token has expired; log in again."), code=ProblemCode.TOKEN_EXPIRED
        ) from exc
    except InvalidToken as exc:
        raise Unauthorized(
            _("The access token is not valid."), code=ProblemCode.INVALID_TOKEN
        ) from exc
    user = principals.user(claims.user_id)
    if user is None:
        ticket = principals.ticket()
        found = await repository.get_user(await session(), claims.user_id)
        if found is not None:
            user = UserRecord.of(found)
            principals.keep_user(ticket, user)
    return user_principal(user, claims)


def user_principal(user: UserRecord | None, claims: TokenClaims) -> Principal:
    """The one judgement of a user token against the user's current record (a principal
    cache must pass through here too): active, and issued for the current credentials."""
    if user is None or not user.is_active:
        raise Unauthorized(
            _("The account is unknown or deactivated."), code=ProblemCode.ACCOUNT_INACTIVE
        )
    if claims.credential_version != user.credential_version:
        raise Unauthorized(
            _("The token was revoked by a change of password, role or status; log in again."),
            code=ProblemCode.TOKEN_REVOKED,
        )
    return Principal(
        kind="user",
        id=user.id,
        role=Role(user.role),
        email=user.email,
        enterprise_id=user.enterprise_id,
    )


async def _api_key_principal(
    session: SessionSource, principals: PrincipalCache, prefix: str, secret: str
) -> Principal:
    key = principals.api_key(prefix)
    if key is None:
        ticket = principals.ticket()
        found = await repository.get_api_key_by_prefix(await session(), prefix)
        if found is not None:
            key = ApiKeyRecord.of(found)
            principals.keep_api_key(ticket, prefix, key)
    if key is None or not api_key_matches(secret, key.key_hash):
        raise Unauthorized(_("The API key is not valid."), code=ProblemCode.INVALID_API_KEY)
    if key.revoked:
        raise Unauthorized(_("The API key has been revoked."), code=ProblemCode.API_KEY_REVOKED)
    # Judged on every request, cached record or not: the clock, not an eviction, ends it.
    if key.expires_at is not None and clock.now() >= key.expires_at:
        raise Unauthorized(
            _("The API key expired at {expires_at}.", expires_at=key.expires_at.isoformat()),
            code=ProblemCode.API_KEY_EXPIRED,
        )
    return Principal(kind="api_key", id=key.id, role=Role.INTEGRATION, scopes=key.scopes)


@dataclass(frozen=True)
class RateLimitState:
    """Where a key stands in its window, as the RateLimit-* headers tell it."""

    limit: int
    used: int
    reset_seconds: int  # until the window ends

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(max(0, self.limit - self.used)).encode()),
            (b"ratelimit-reset", str(self.reset_seconds).encode()),
        ]


async def count_api_key_request(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    tell: Callable[[RateLimitState], None],
) -> None:
    """The per-key rate limit: fixed windows of `api_key_rate_window_seconds`, counted in
    PostgreSQL; over the limit answers 429 with Retry-After until the window ends. The first
    request of a window also records the key's use (`last_used_at`, to the window: a write
    per request would double the cost of every integration read)."""
    window = settings.api_key_rate_window_seconds
    now = utcnow()
    start = datetime.fromtimestamp(now.timestamp() // window * window, UTC)
    count = await repository.count_request(session, principal.id, start)
    if count == 1:
        await repository.purge_windows(session, principal.id, start)
        await repository.touch_api_key(session, principal.id, now)
    # Counted even when refused: a client hammering past the limit stays limited.
    await session.commit()
    ends = start + timedelta(seconds=window)
    tell(RateLimitState(settings.api_key_rate_limit, count, int((ends - now).total_seconds()) + 1))
    if count > settings.api_key_rate_limit:
        raise TooManyRequests(
            _(
                "This API key made more than {api_key_rate_limit} requests in {window} seconds; "
                "try again after {ends}.",
                api_key_rate_limit=settings.api_key_rate_limit,
                window=window,
                ends=ends.isoformat(),
            ),
            code=ProblemCode.RATE_LIMITED,
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


async def create_user(
    session: AsyncSession, settings: Settings, actor: Principal | None, data: UserCreate
) -> UserRead:
    password_hash = await hash_password_off_loop(data.password, settings.password_hash_concurrency)
    user = await repository.add_user(
        session,
        User(
            email=data.email,
            password_hash=password_hash,
            role=data.role.value,
            display_name=data.display_name,
            enterprise_id=data.enterprise_id,
            is_active=True,
        ),
    )
    created = UserRead.model_validate(user)
    await audit.commit_change(session, actor, "user.create", "user", user.id, after=created)
    return created


async def list_users(
    session: AsyncSession, page: PageParams, *, role: Role | None, is_active: bool | None
) -> UserPage:
    fetched = await page.fetch(
        session,
        repository.users(role=role.value if role else None, is_active=is_active),
        Sorts.single(repository.USER_ORDER),
    )
    return UserPage(
        items=[UserRead.model_validate(u) for u in fetched.items], **fetched.page_fields()
    )


async def _load_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await repository.get_user(session, user_id)
    if user is None:
        raise UserNotFound(_("user {user_id} does not exist", user_id=user_id))
    return user


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> tuple[UserRead, int]:
    user = await _load_user(session, user_id)
    return UserRead.model_validate(user), user.version


async def update_user(
    session: AsyncSession,
    settings: Settings,
    principals: PrincipalCache,
    actor: Principal,
    user_id: uuid.UUID,
    data: UserUpdate,
    if_match: str | None,
) -> tuple[UserRead, int]:
    changes = data.model_dump(exclude_unset=True)
    # Hashed before the row is read, so that no connection waits on the hash.
    password_hash = (
        await hash_password_off_loop(changes["password"], settings.password_hash_concurrency)
        if changes.get("password") is not None
        else None
    )
    user = await _load_user(session, user_id)
    check_if_match(if_match, user.version)
    before = UserRead.model_validate(user)
    is_active = changes.get("is_active")
    role = changes.get("role")
    if role is not None and role != user.role:
        _check_role_change(user, Role(role))
    if (is_active is False or (role is not None and role != Role.ADMIN)) and user.is_active:
        await _keep_an_admin(session, user)
    if "display_name" in changes:
        user.display_name = changes["display_name"]
    revoke = False
    if is_active is not None and is_active != user.is_active:
        user.is_active = is_active
        revoke = True
    if role is not None and role != user.role:
        user.role = Role(role)
        revoke = True
    if password_hash is not None:
        user.password_hash = password_hash
        revoke = True
    if revoke:
        await _revoke_tokens(session, user)
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
    if revoke:
        principals.evict("user", str(user.id))
    return after, user.version


async def _revoke_tokens(session: AsyncSession, user: User) -> None:
    """Every token issued to the user so far stops working: at once here, within a second on
    every other replica (their principal caches hear the notification on commit)."""
    user.credential_version += 1
    await repository.announce_principal_change(session, "user", str(user.id))


def _check_role_change(user: User, role: Role) -> None:
    # An enterprise user belongs to its enterprise; staff belong to none: that is fixed at
    # creation (a new account is the way to move between the two).
    if Role.ENTERPRISE in (Role(user.role), role):
        raise Unprocessable(
            _("A user cannot move to or from the role enterprise; create another account."),
            code=ProblemCode.ENTERPRISE_ROLE_FIXED,
            loc=["body", "role"],
        )


async def _keep_an_admin(session: AsyncSession, user: User) -> None:
    """409 when `user` is the last active administrator and is about to stop being one."""
    if user.role != Role.ADMIN.value:
        return
    admins = await repository.lock_active_admins(session)
    if admins == [user.id]:
        raise LastAdmin(
            _("This is the last active administrator; make another administrator first."),
        )


async def deactivate_user(
    session: AsyncSession, principals: PrincipalCache, actor: Principal, user_id: uuid.UUID
) -> None:
    user = await _load_user(session, user_id)
    if not user.is_active:
        return
    await _keep_an_admin(session, user)
    before = UserRead.model_validate(user)
    user.is_active = False
    await _revoke_tokens(session, user)
    await session.flush()
    await audit.commit_change(
        session,
        actor,
        "user.deactivate",
        "user",
        user.id,
        before=before,
        after=UserRead.model_validate(user),
    )
    principals.evict("user", str(user.id))


async def create_api_key(
    session: AsyncSession, actor: Principal, data: ApiKeyCreate
) -> ApiKeyCreated:
    if data.expires_at is not None and data.expires_at <= clock.now():
        raise Unprocessable(
            _("The expiry must lie in the future."),
            code=ProblemCode.EXPIRY_NOT_IN_FUTURE,
            loc=["body", "expires_at"],
        )
    fresh = new_api_key()
    key = await repository.add_api_key(
        session,
        ApiKey(
            name=data.name,
            prefix=fresh.prefix,
            key_hash=fresh.key_hash,
            scopes=sorted({scope.value for scope in data.scopes}),
            created_by=actor.id if actor.kind == "user" else None,
            expires_at=data.expires_at,
        ),
    )
    read = ApiKeyRead.model_validate(key)
    await audit.commit_change(session, actor, "api_key.create", "api_key", key.id, after=read)
    return ApiKeyCreated(**read.model_dump(), key=fresh.secret)


async def list_api_keys(
    session: AsyncSession, page: PageParams, *, include_revoked: bool
) -> ApiKeyPage:
    fetched = await page.fetch(
        session,
        repository.api_keys(include_revoked=include_revoked),
        Sorts.single(repository.API_KEY_ORDER),
    )
    return ApiKeyPage(
        items=[ApiKeyRead.model_validate(k) for k in fetched.items], **fetched.page_fields()
    )


async def get_api_key(session: AsyncSession, key_id: uuid.UUID) -> ApiKeyRead:
    key = await repository.get_api_key(session, key_id)
    if key is None:
        raise ApiKeyNotFound(_("API key {key_id} does not exist", key_id=key_id))
    return ApiKeyRead.model_validate(key)


async def revoke_api_key(
    session: AsyncSession, principals: PrincipalCache, actor: Principal, key_id: uuid.UUID
) -> None:
    key = await repository.get_api_key(session, key_id)
    if key is None:
        raise ApiKeyNotFound(_("API key {key_id} does not exist", key_id=key_id))
    if key.revoked_at is not None:
        return
    before = ApiKeyRead.model_validate(key)
    key.revoked_at = utcnow()
    await repository.announce_principal_change(session, "api_key", key.prefix)
    await session.flush()
    await audit.commit_change(
        session,
        actor,
        "api_key.revoke",
        "api_key",
        key.id,
        before=before,
        after=ApiKeyRead.model_validate(key),
    )
    principals.evict("api_key", key.prefix)


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
            settings,
            None,
            UserCreate(
                email=email, password=password, role=LoginRole.ADMIN, display_name="Administrator"
            ),
        )
        logger.info("created the first administrator %s", email)
        return generated


class NewPassword(BaseModel):
    """A password set from the command line, held to the rule every account's is."""

    password: Password


async def reset_password(
    session: AsyncSession, settings: Settings, email: str, password: str | None
) -> str | None:
    """A new password for the account of `email` (`python -m app.cli reset-password`): the
    one given, or one generated and answered (shown once, stored only as its hash). Every
    token of the account stops working."""
    generated = None if password is not None else secrets.token_urlsafe(12)
    chosen = NewPassword(password=password or generated or "").password
    user = await repository.get_user_by_email(session, email.strip().lower())
    if user is None:
        raise UserNotFound(_("no account has the e-mail {email}", email=email.strip().lower()))
    user.password_hash = await hash_password_off_loop(chosen, settings.password_hash_concurrency)
    await _revoke_tokens(session, user)
    await session.flush()
    audit.record(
        session, None, "user.password_reset", "user", user.id, after={"password_changed": True}
    )
    await session.commit()
    return generated


class EnterpriseAccount(Conflict):
    code = ProblemCode.ENTERPRISE_ACCOUNT


async def restore_admin(
    session: AsyncSession, settings: Settings, email: str, password: str | None
) -> tuple[str, str | None]:
    """The way back when no administrator can log in (`python -m app.cli admin`): make
    `email` an active administrator, creating the account when there is none. Answers what
    was done and, for a new account given no password, the generated one. Earlier tokens of
    the account are revoked."""
    generated = None if password is not None else secrets.token_urlsafe(12)
    # Validated as any new administrator would be (e-mail, password length).
    data = UserCreate(
        email=email, password=password or generated or "", role=LoginRole.ADMIN, display_name=None
    )
    user = await repository.get_user_by_email(session, data.email)
    if user is None:
        await create_user(session, settings, None, data)
        return "created", generated
    if user.role == Role.ENTERPRISE.value:
        raise EnterpriseAccount(
            _("{email} is an enterprise account; choose another e-mail.", email=data.email)
        )
    before = UserRead.model_validate(user)
    if password is not None:
        user.password_hash = await hash_password_off_loop(
            password, settings.password_hash_concurrency
        )
    user.role = Role.ADMIN
    user.is_active = True
    # The CLI has no cache of its own; the service's workers hear of it.
    await _revoke_tokens(session, user)
    await session.flush()
    audit.record(
        session,
        None,
        "user.update",
        "user",
        user.id,
        before=audit.snapshot(before),
        after=UserRead.model_validate(user).model_dump(mode="json")
        | {"password_changed": password is not None},
    )
    await session.commit()
    if not before.is_active:
        return "reactivated", None
    return ("updated" if before.role is Role.ADMIN else "promoted"), None
