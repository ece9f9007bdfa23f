"""Issue 16 point 9: one title per status, whoever answers (a handler's error, FastAPI's
validation, Starlette's 404 and 405, the guards), and the same words in the document."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from app.errors import TITLES
from tests.factories import headers_for, make_enterprise


async def test_every_answer_of_a_status_has_its_one_title(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await headers_for(session, Role.MANAGER)
    enterprise = await make_enterprise(session)
    url = f"/api/v1/enterprises/{enterprise.id}"
    answers = [
        await client.get("/api/v1/no-such-thing", headers=headers),  # Starlette's 404
        await client.get(f"/api/v1/enterprises/{uuid.uuid4()}", headers=headers),  # ours
        await client.get("/api/v1/enterprises?limit=0", headers=headers),  # validation
        await client.post("/api/v1/enterprises", headers=headers, json={"uscc": "x"}),
        await client.patch(url, headers=headers | {"If-Match": '"999"'}, json={"district": "x"}),
        await client.request("TRACE", url, headers=headers),  # 405
        await client.get(url),  # 401
        await client.post("/api/v1/enterprises", headers=headers, content=b"{"),  # malformed
    ]
    seen: dict[int, set[str]] = {}
    for answer in answers:
        body = answer.json()
        seen.setdefault(answer.status_code, set()).add(body["title"])
    assert set(seen) >= {401, 404, 405, 412, 422}, seen
    assert seen == {status: {TITLES[status]} for status in seen}


def test_the_document_describes_each_error_status_by_its_title(app: FastAPI) -> None:
    described: dict[str, set[str]] = {}
    for operations in app.openapi()["paths"].values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                # An operation may explain one of its errors in its own words instead.
                generic = "`" not in response["description"]
                if status.startswith(("4", "5")) and int(status) in TITLES and generic:
                    described.setdefault(status, set()).add(response["description"])
    assert len(described) >= 6, described
    wrong = {s: d for s, d in described.items() if d != {TITLES[int(s)]}}
    assert wrong == {}


def test_every_tag_of_the_document_is_described(app: FastAPI) -> None:
    document = app.openapi()
    used = {tag for ops in document["paths"].values() for op in ops.values() for tag in op["tags"]}
    described = {tag["name"]: tag.get("description") for tag in document.get("tags", [])}
    assert len(used) >= 15
    assert sorted(used - {name for name, text in described.items() if text}) == []
    assert set(described) == used
