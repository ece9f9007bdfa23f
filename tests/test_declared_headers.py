"""Issue 16 point 3: the protocol headers the answers carry, and the Idempotency-Key that
POSTs honour, are in the document, where generated clients read them; and what the document
declares for an answer, a real answer carries."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from tests.factories import headers_for, make_api_key, make_enterprise


def test_the_document_declares_the_protocol_headers(app: FastAPI) -> None:
    document = app.openapi()
    assert set(document["components"]["headers"]) >= {
        "X-Request-ID", "ETag", "Location", "Retry-After", "Idempotent-Replayed",
        "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
    }  # fmt: skip
    responses = posts = keyed = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                declared = set(response.get("headers", {}))
                assert "X-Request-ID" in declared, (path, method, status)
                if status in ("429", "503"):
                    assert "Retry-After" in declared, (path, method, status)
                if status == "201":
                    assert "Location" in declared, (path, method)
                if any("ApiKey" in s for s in operation.get("security", [])) and status == "200":
                    assert "RateLimit-Remaining" in declared, (path, method)
                    keyed += 1
                responses += 1
            if method == "post" and path != "/api/v1/auth/token":
                names = [p["name"] for p in operation.get("parameters", [])]
                assert "Idempotency-Key" in names, path
                posts += 1
    assert responses >= 300 and posts >= 15 and keyed >= 20, (responses, posts, keyed)


async def test_answers_carry_what_is_declared(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await headers_for(session, Role.MANAGER)
    enterprise = await make_enterprise(session)
    read = await client.get(f"/api/v1/enterprises/{enterprise.id}", headers=headers)
    assert {"etag", "x-request-id"} <= set(read.headers)
    _, secret = await make_api_key(session, scopes=["read:enterprises"])
    keyed = await client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {secret}"})
    assert keyed.status_code == 200, keyed.text
    assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= set(keyed.headers)
