"""Issue 16 point 5: every list says `has_more`, in the document and in its answers."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from tests.factories import headers_for, make_enterprise


def test_every_page_in_the_document_requires_has_more(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    pages = {name: schema for name, schema in schemas.items() if name.endswith("Page")}
    assert len(pages) >= 25, sorted(pages)
    missing = [name for name, schema in pages.items() if "has_more" not in schema["required"]]
    assert missing == []


async def test_has_more_follows_the_cursor(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await headers_for(session, Role.MANAGER)
    for _ in range(3):
        await make_enterprise(session)
    first = (await client.get("/api/v1/enterprises", headers=headers, params={"limit": 2})).json()
    assert first["has_more"] is True and first["next_cursor"] is not None
    pages = 1
    page = first
    while page["has_more"]:
        page = (
            await client.get(
                "/api/v1/enterprises",
                headers=headers,
                params={"limit": 2, "cursor": page["next_cursor"]},
            )
        ).json()
        pages += 1
    assert page["next_cursor"] is None and pages >= 2
