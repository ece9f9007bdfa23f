"""Issue 16 point 9: a query parameter the operation does not declare is 422
`unknown_parameter` (as an unknown body field is), on every operation; declared ones,
including the page's (`limit`, `cursor`, `include_total`, `sort`), still pass."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from tests.factories import headers_for
from tests.problems import assert_problem


async def test_every_get_without_path_parameters_refuses_an_unknown_one(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await headers_for(session, Role.ADMIN)
    refused = 0
    for path, operations in app.openapi()["paths"].items():
        if "get" not in operations or "{" in path:
            continue
        answer = await client.get(path, headers=headers, params={"staus": "open"})
        assert_problem(answer, 422, "unknown_parameter")
        assert answer.json()["errors"][0]["loc"] == ["query", "staus"], path
        refused += 1
    assert refused >= 25, refused


async def test_declared_parameters_pass(client: httpx.AsyncClient, session: AsyncSession) -> None:
    headers = await headers_for(session, Role.MANAGER)
    board = await client.get("/api/v1/alerts/board", headers=headers, params={"foo": "bar"})
    assert_problem(board, 422, "unknown_parameter")
    for path, params in (
        ("/api/v1/alerts/board", {}),
        ("/api/v1/projects", {"limit": "5", "include_total": "true", "sort": "-title"}),
        ("/api/v1/demands", {"overdue": "true", "sort": "response_due_at"}),
        ("/api/v1/pools/hte/members", {"tier": "mature", "status": "active"}),
    ):
        answer = await client.get(path, headers=headers, params=params)
        assert answer.status_code == 200, (path, answer.text)
