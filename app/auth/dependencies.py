"""The current principal, and the roles an operation allows."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer

from app.auth import service
from app.auth.principals import PrincipalCache
from app.auth.roles import Principal, Role
from app.auth.scopes import Scope
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


def client_address(request: Request, settings: SettingsDep) -> str:
    """The client's IP address: the TCP peer, unless the peer is one of TRUSTED_PROXIES; then
    X-Forwarded-For is read from the right, skipping trusted proxies, and the first address
    not among them is the client (the ones left of it could be forged by the client)."""
    peer = (request.client.host if request.client else "")[:64] or "unknown"
    if not _trusted(peer, settings) or "x-forwarded-for" not in request.headers:
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
    ]
    client = peer
    for hop in reversed(hops):
        try:
            address = ip_address(hop)
        except ValueError:
            break
        client = str(address)
        if not _trusted(client, settings):
            break
    return client


def _trusted(address: str, settings: Settings) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.trusted_proxies)


ClientAddressDep = Annotated[str, Depends(client_address)]


def principal_cache(request: Request) -> PrincipalCache:
    principals: PrincipalCache = request.app.state.principals
    return principals


PrincipalCacheDep = Annotated[PrincipalCache, Depends(principal_cache)]


async def current_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principals: PrincipalCacheDep,
    token: Annotated[str | None, Depends(_user_token)],
    _declared_for_openapi: Annotated[HTTPAuthorizationCredentials | None, Depends(_api_key)],
) -> Principal:
    if not token:
        raise Unauthorized("Send a Bearer token or API key.", code="not_authenticated")
    principal = await service.resolve_principal(session, settings, principals, token)
    if principal.kind == "api_key":
        if request.method not in SAFE_METHODS:
            raise Forbidden("API keys are read-only.", code="read_only_credential")
        # Deny by default: a read an API key may reach must say which scope it needs.
        route = request.scope.get("route")
        if route is None or declared_scope(route) is None:
            raise Forbidden(
                "This operation declares no scope, so API keys may not use it.",
                code="scope_not_declared",
            )
        await service.count_api_key_request(session, settings, principal)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


class RoleRequired:
    """The roles an operation allows (a dependency; tests read `allowed`)."""

    def __init__(self, *roles: Role) -> None:
        self.allowed = frozenset(roles)

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        if principal.role not in self.allowed:
            raise Forbidden(
                f"The role {principal.role.value} may not do this.", code="role_not_allowed"
            )
        return principal


def require(*roles: Role) -> RoleRequired:
    return RoleRequired(*roles)


class ScopeRequired:
    """The scope an API key needs for a read, declared on a router or route:
    `APIRouter(..., dependencies=[Depends(ScopeRequired(Scope.READ_PROJECTS))])`.

    `ScopeRequired(None)` declares a read open to every key (`/me`). Users are not scoped;
    their roles decide. `per_value` resolves the scope from a path parameter (exports).
    """

    def __init__(
        self,
        scope: Scope | None,
        *,
        per_value: tuple[str, dict[str, Scope]] | None = None,
    ) -> None:
        self.scope = scope
        self.per_value = per_value

    def needed(self, request: Request) -> Scope | None:
        if self.per_value is not None:
            param, scopes = self.per_value
            return scopes.get(str(request.path_params.get(param)), self.scope)
        return self.scope

    async def __call__(self, request: Request, principal: CurrentPrincipal) -> Principal:
        needed = self.needed(request)
        if principal.kind == "api_key" and needed is not None and needed not in principal.scopes:
            raise Forbidden(f"The API key lacks the scope {needed.value}.", code="scope_missing")
        return principal


def _walk(dependant: Any) -> list[Any]:
    calls = [dependant.call]
    for sub in dependant.dependencies:
        calls.extend(_walk(sub))
    return calls


def declared_scope(route: Any) -> ScopeRequired | None:
    """The route's scope declaration, or None when it has none (a walk of a few nodes).
    `route` is what routing put in the ASGI scope, or an `iter_route_contexts` item."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    found = [call for call in _walk(dependant) if isinstance(call, ScopeRequired)]
    return found[0] if found else None


def route_roles(route: Any) -> frozenset[Role] | None:
    """The roles the route allows, or None when any authenticated principal may call it."""
    dependant = getattr(route, "dependant", None)
    calls = [] if dependant is None else _walk(dependant)
    allowed: frozenset[Role] | None = None
    for call in calls:
        if isinstance(call, RoleRequired):
            allowed = call.allowed if allowed is None else allowed & call.allowed
    return allowed


def authenticates(route: Any) -> bool:
    dependant = getattr(route, "dependant", None)
    return dependant is not None and current_principal in _walk(dependant)


AdminPrincipal = Annotated[Principal, Depends(require(Role.ADMIN))]
# Staff and integrations: the data-sharing routes (changes, exports).
SharingPrincipal = Annotated[
    Principal, Depends(require(Role.ADMIN, Role.MANAGER, Role.INTEGRATION))
]
StaffPrincipal = Annotated[Principal, Depends(require(Role.ADMIN, Role.MANAGER))]
# The zone-wide figures (team assessments, outcomes, policy reach, the dashboard): for the
# bureau, its specialists and the data-sharing platforms, not for one enterprise.
ZoneFiguresPrincipal = Annotated[
    Principal, Depends(require(Role.ADMIN, Role.MANAGER, Role.SPECIALIST, Role.INTEGRATION))
]
