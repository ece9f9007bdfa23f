from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Response, status

from app import errors
from app.auth import service
from app.auth.dependencies import (
    AdminPrincipal,
    ClientAddressDep,
    CurrentPrincipal,
    PrincipalCacheDep,
    ScopeRequired,
    SettingsDep,
)
from app.auth.roles import Role
from app.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPage,
    ApiKeyRead,
    MeRead,
    TokenRead,
    TokenRequest,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)
from app.db import SessionDep
from app.http import IfMatchHeader, set_etag, set_location
from app.idempotency.middleware import mark_secret
from app.pagination import PageParamsDep

router = APIRouter(prefix="/api/v1", tags=["auth"], responses=errors.responses(422, 503))


@router.post(
    "/auth/token",
    operation_id="createToken",
    response_model=TokenRead,
    responses=errors.responses(401, 429),
)
async def create_token(
    form: Annotated[TokenRequest, Form()],
    session: SessionDep,
    settings: SettingsDep,
    address: ClientAddressDep,
) -> TokenRead:
    """Exchange an e-mail and password for a bearer token (OAuth2 password flow)."""
    return await service.login(session, settings, form.username, form.password, address)


@router.get(
    "/me",
    operation_id="getMe",
    response_model=MeRead,
    responses=errors.responses(401),
    # Every key may ask who it is, whatever its scopes.
    dependencies=[Depends(ScopeRequired(None))],
)
async def get_me(principal: CurrentPrincipal) -> MeRead:
    """Who the credential belongs to: role, enterprise and scopes."""
    return service.me(principal)


@router.post(
    "/users",
    operation_id="createUser",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses=errors.responses(401, 403, 409),
)
async def create_user(
    data: UserCreate,
    principal: AdminPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> UserRead:
    """Create a staff or enterprise user (administrators only)."""
    user = await service.create_user(session, settings, principal, data)
    set_location(response, f"/api/v1/users/{user.id}")
    set_etag(response, 1)
    return user


@router.get(
    "/users",
    operation_id="listUsers",
    response_model=UserPage,
    responses=errors.responses(401, 403),
)
async def list_users(
    principal: AdminPrincipal,
    session: SessionDep,
    page: PageParamsDep,
    role: Role | None = None,
    is_active: bool | None = None,
) -> UserPage:
    """List users, oldest first (administrators only)."""
    return await service.list_users(session, page, role=role, is_active=is_active)


@router.get(
    "/users/{user_id}",
    operation_id="getUser",
    response_model=UserRead,
    responses=errors.responses(401, 403, 404),
)
async def get_user(
    user_id: uuid.UUID, principal: AdminPrincipal, session: SessionDep, response: Response
) -> UserRead:
    """One user (administrators only)."""
    user, version = await service.get_user(session, user_id)
    set_etag(response, version)
    return user


@router.patch(
    "/users/{user_id}",
    operation_id="updateUser",
    response_model=UserRead,
    responses=errors.responses(401, 403, 404, 409, 412),
)
async def update_user(
    user_id: uuid.UUID,
    data: UserUpdate,
    principal: AdminPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    principals: PrincipalCacheDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> UserRead:
    """Rename, re-activate, deactivate, change the staff role of, or reset the password of a
    user. A new password, role or status revokes the user's tokens; the last active
    administrator can be neither deactivated nor demoted (409 `last_admin`)."""
    user, version = await service.update_user(
        session, settings, principals, principal, user_id, data, if_match
    )
    set_etag(response, version)
    return user


@router.delete(
    "/users/{user_id}",
    operation_id="deactivateUser",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors.responses(401, 403, 404, 409),
)
async def deactivate_user(
    user_id: uuid.UUID,
    principal: AdminPrincipal,
    session: SessionDep,
    principals: PrincipalCacheDep,
) -> None:
    """Deactivate a user: their tokens stop working at once; the record is kept. The last
    active administrator cannot be deactivated (409 `last_admin`)."""
    await service.deactivate_user(session, principals, principal, user_id)


@router.post(
    "/api-keys",
    operation_id="createApiKey",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    responses=errors.responses(401, 403)
    | {
        409: {
            **errors.responses(409)[409],
            "description": "`idempotent_secret_not_replayed`: a repeat of a request with the "
            "same `Idempotency-Key` (and body) that already created a key. The secret is "
            "never stored, so it is not sent again; `Location` names the key created.",
        }
    },
)
async def create_api_key(
    data: ApiKeyCreate, principal: AdminPrincipal, session: SessionDep, response: Response
) -> ApiKeyCreated:
    """Issue an API key for an integration; the secret is in `key`, shown only here. A repeat
    with the same `Idempotency-Key` is 409 `idempotent_secret_not_replayed`, without it."""
    key = await service.create_api_key(session, principal, data)
    set_location(response, f"/api/v1/api-keys/{key.id}")
    mark_secret(response)
    return key


@router.get(
    "/api-keys",
    operation_id="listApiKeys",
    response_model=ApiKeyPage,
    responses=errors.responses(401, 403),
)
async def list_api_keys(
    principal: AdminPrincipal,
    session: SessionDep,
    page: PageParamsDep,
    include_revoked: Annotated[bool, Query()] = False,
) -> ApiKeyPage:
    """List API keys (never their secrets)."""
    return await service.list_api_keys(session, page, include_revoked=include_revoked)


@router.get(
    "/api-keys/{key_id}",
    operation_id="getApiKey",
    response_model=ApiKeyRead,
    responses=errors.responses(401, 403, 404),
)
async def get_api_key(
    key_id: uuid.UUID, principal: AdminPrincipal, session: SessionDep
) -> ApiKeyRead:
    """One API key (never its secret): what `Location` of a new key names."""
    return await service.get_api_key(session, key_id)


@router.delete(
    "/api-keys/{key_id}",
    operation_id="revokeApiKey",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors.responses(401, 403, 404),
)
async def revoke_api_key(
    key_id: uuid.UUID,
    principal: AdminPrincipal,
    session: SessionDep,
    principals: PrincipalCacheDep,
) -> None:
    """Revoke an API key; it answers 401 from then on."""
    await service.revoke_api_key(session, principals, principal, key_id)
