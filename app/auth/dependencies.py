"""The current principal, and the roles an operation allows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer

from app.auth import service
from app.auth.roles import Principal, Role
from app.config import Settings
from app.db import SessionDep
from app.errors import Forbidden, Unauthorized

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_user_token = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    scheme_name="UserToken",
    description="Staff and enterprise users: a token from POST /api/v1/auth/token",
    auto_error=False,
)
_api_key = HTTPBearer(
    scheme_name="ApiKey",
    description="Integrations: an API key issued by an administrator, sent as a Bearer token",
    auto_error=False,
)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def current_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(_user_token)],
    _declared_for_openapi: Annotated[HTTPAuthorizationCredentials | None, Depends(_api_key)],
) -> Principal:
    if not token:
        raise Unauthorized("Send a Bearer token or API key.", code="not_authenticated")
    principal = await service.resolve_principal(session, settings, token)
    if principal.kind == "api_key" and request.method not in SAFE_METHODS:
        raise Forbidden("API keys are read-only.", code="read_only_credential")
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    allowed = frozenset(roles)

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(
                f"The role {principal.role.value} may not do this.", code="role_not_allowed"
            )
        return principal

    return dependency


AdminPrincipal = Annotated[Principal, Depends(require(Role.ADMIN))]
StaffPrincipal = Annotated[Principal, Depends(require(Role.ADMIN, Role.MANAGER))]
