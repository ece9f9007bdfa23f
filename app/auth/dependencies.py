"""The current principal, and the roles an operation allows."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from ipaddress import ip_address
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import iter_route_contexts
from fastapi.security import HTTPBearer, OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.routing import BaseRoute

from app.auth import service
from app.auth.principals import PrincipalCache
from app.auth.roles import Principal, Role
from app.auth.scopes import Scope
from app.auth.security import api_key_prefix
from app.config import Settings
from app.db import request_session
from app.errors import Forbidden, ProblemCode, Unauthorized
from app.http import tell_rate_limit
from app.i18n import _

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The two ways to authenticate, both a Bearer token, as the document declares them
# (declare_security). They are not dependencies: current_principal reads the header itself.
SECURITY_SCHEMES = (
    OAuth2PasswordBearer(
        tokenUrl="/api/v1/auth/token",
        scheme_name="UserToken",
        description="Staff and enterprise users: a token from POST /api/v1/auth/token",
    ),
    HTTPBearer(
        scheme_name="ApiKey",
        description="Integrations: an API key issued by an administrator, sent as a Bearer token",
    ),
)


def bearer_token(request: Request) -> str | None:
    """The credential of `Authorization: Bearer <credential>`, as OAuth2PasswordBearer reads
    it (the scheme's case is free; no credential, no token)."""
    scheme, _space, credential = request.headers.get("authorization", "").partition(" ")
    return credential if scheme.lower() == "bearer" and credential else None


# Dependencies are coroutines even where they need not be: FastAPI runs a plain function in a
# worker thread, a hop that costs more than most of these do.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def client_address(request: Request, settings: SettingsDep) -> str:
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


async def principal_cache(request: Request) -> PrincipalCache:
    principals: PrincipalCache = request.app.state.principals
    return principals


PrincipalCacheDep = Annotated[PrincipalCache, Depends(principal_cache)]


async def current_principal(request: Request) -> Principal:
    """Who is calling, and for an API key whether this read is open to it.

    Lean on purpose, as it runs on every request and FastAPI's bookkeeping costs each
    dependency a share of a read: the settings, the cache and the session come from the
    request (the session only when the cache misses), the security schemes are declared in
    the document by `declare_security`, and the route's scope is checked here rather than by
    a dependency of its own."""
    token = bearer_token(request)
    if not token:
        raise Unauthorized(_("Send a Bearer token or API key."), code=ProblemCode.NOT_AUTHENTICATED)
    settings: Settings = request.app.state.settings
    principals: PrincipalCache = request.app.state.principals
    if api_key_prefix(token) is None:
        principal = await service.resolve_principal(
            partial(request_session, request), settings, principals, token
        )
    else:
        principal = await _api_key_request(request, settings, principals, token)
    request.state.principal = principal
    return principal


async def _api_key_request(
    request: Request, settings: Settings, principals: PrincipalCache, secret: str
) -> Principal:
    """An API key's principal, if this read is open to it: a transaction of its own reads
    the key when the cache misses and counts the request, committed whatever the request
    does next (the request's own session, a read's, does not write)."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with factory() as bookkeeping:

        async def session() -> AsyncSession:
            return bookkeeping

        principal = await service.resolve_principal(session, settings, principals, secret)
        if request.method not in SAFE_METHODS:
            raise Forbidden(_("API keys are read-only."), code=ProblemCode.READ_ONLY_CREDENTIAL)
        # Deny by default: a read an API key may reach must say which scope it needs.
        route = request.scope.get("route")
        declaration = None if route is None else declared_scope(route)
        if declaration is None:
            raise Forbidden(
                _("This operation declares no scope, so API keys may not use it."),
                code=ProblemCode.SCOPE_NOT_DECLARED,
            )
        # Counted even when the scope is missing.
        await service.count_api_key_request(
            bookkeeping, settings, principal, partial(tell_rate_limit, request.scope)
        )
    needed = declaration.needed(request)
    if needed is not None and needed not in principal.scopes:
        raise Forbidden(
            _("The API key lacks the scope {needed}.", needed=needed.value),
            code=ProblemCode.SCOPE_MISSING,
        )
    return principal


def declare_security(document: dict[str, Any], routes: Sequence[BaseRoute]) -> None:
    """The security schemes, and on every operation that authenticates either of them (its
    scope and roles then decide the answer)."""
    schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
    for scheme in SECURITY_SCHEMES:
        schemes[scheme.scheme_name] = scheme.model.model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
    either: list[dict[str, list[str]]] = [{scheme.scheme_name: []} for scheme in SECURITY_SCHEMES]
    paths = document.get("paths", {})
    for route in iter_route_contexts(routes):
        if authenticates(route):
            for method in route.methods or ():
                operations = paths.get(route.path, {})
                operation = operations.get(method.lower())
                if operation is not None:
                    # Where FastAPI writes it, after the operation id.
                    ordered = {k: v for k, v in operation.items() if k != "security"}
                    keys = list(ordered)
                    at = keys.index("operationId") + 1 if "operationId" in keys else len(keys)
                    items = list(ordered.items())
                    items.insert(at, ("security", [dict(item) for item in either]))
                    operations[method.lower()] = dict(items)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


class RoleRequired:
    """The roles an operation allows (a dependency; tests read `allowed`)."""

    def __init__(self, *roles: Role) -> None:
        self.allowed = frozenset(roles)

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        if principal.role not in self.allowed:
            raise Forbidden(
                _("The role {role} may not do this.", role=principal.role.value),
                code=ProblemCode.ROLE_NOT_ALLOWED,
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

    async def __call__(self) -> None:
        """A declaration: current_principal reads it from the route and checks the key."""


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
