"""Issue 16 point 2: an assessment's parts are typed, one shape per part code (a union on
`code`), and what the rules compute reads back through it."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from app.main import create_app
from tests.factories import headers_for
from tests.pools.test_pools_api import applying_enterprise


async def test_every_part_of_both_assessments_has_its_own_typed_shape(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    document = create_app().openapi()
    schemas = document["components"]["schemas"]
    parts = schemas["AssessmentRead"]["properties"]["parts"]["items"]
    mapping = parts["discriminator"]["mapping"]
    headers = await headers_for(session, Role.MANAGER)
    enterprise = await applying_enterprise(session)
    seen: set[str] = set()
    for pool in ("hte", "sme"):
        answer = await client.get(
            f"/api/v1/enterprises/{enterprise.id}/assessments/{pool}", headers=headers
        )
        assert answer.status_code == 200, answer.text
        for part in answer.json()["parts"]:
            shape = schemas[mapping[part["code"]].rsplit("/", 1)[-1]]
            inputs = schemas[shape["properties"]["inputs"]["$ref"].rsplit("/", 1)[-1]]
            assert set(part["inputs"]) == set(inputs["properties"]), part["code"]
            assert set(inputs["required"]) == set(inputs["properties"])
            seen.add(part["code"])
    assert seen == set(mapping) and len(seen) == 7
