"""Migration 0021: the titles visits recorded become catalogue entries and ids, and back."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import drop_database
from app.migrations import downgrade, upgrade
from tests.conftest import fresh_database
from tests.factories import random_uscc

BEFORE = "0020"
CONVERTING = "0021"


async def _run(url: str, statements: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            results = []
            for sql, params in statements:
                result = await connection.execute(text(sql), params)
                results.append(list(result.all()) if result.returns_rows else [])
            return results
    finally:
        await engine.dispose()


VISIT = (
    "INSERT INTO visit (id, enterprise_id, specialist_ids, visited_at, kind, channel,"
    " policies_presented, resources_linked, version)"
    " VALUES (:id, :enterprise, ARRAY[gen_random_uuid()], :at,"
    " 'coverage', 'onsite',"
    " CAST(:titles AS varchar[]), '{}', 1)"
)


class TestVisitPolicyMigration:
    def test_titles_become_catalogue_ids_and_back(self, server_url: str) -> None:
        url = fresh_database(server_url, "policy_migration")
        try:
            upgrade(url, BEFORE)
            enterprise, first, second, bare = (uuid.uuid4() for _ in range(4))
            asyncio.run(
                _run(
                    url,
                    [
                        (
                            "INSERT INTO enterprise (id, uscc, name, tags, status, version)"
                            " VALUES (:id, :uscc, '迁移测试企业', '{}', 'active', 1)",
                            {"id": enterprise, "uscc": random_uscc()},
                        ),
                        (
                            VISIT,
                            {
                                "id": first,
                                "enterprise": enterprise,
                                "at": datetime.fromisoformat("2026-03-01T02:00:00+00:00"),
                                "titles": ["研发费用加计扣除政策", "知识产权质押融资"],
                            },
                        ),
                        (
                            VISIT,
                            {
                                "id": second,
                                "enterprise": enterprise,
                                "at": datetime.fromisoformat("2026-01-05T20:00:00+00:00"),
                                "titles": ["知识产权质押融资"],
                            },
                        ),
                        (
                            VISIT,
                            {
                                "id": bare,
                                "enterprise": enterprise,
                                "at": datetime.fromisoformat("2026-04-01T02:00:00+00:00"),
                                "titles": [],
                            },
                        ),
                    ],
                )
            )
            upgrade(url, CONVERTING)
            policies, visits = asyncio.run(
                _run(
                    url,
                    [
                        ("SELECT title, id, issuer, valid_from FROM policy ORDER BY title", {}),
                        ("SELECT id, policies_presented FROM visit", {}),
                    ],
                )
            )
            catalogue = {title: (pid, issuer, str(day)) for title, pid, issuer, day in policies}
            # One entry per distinct title, valid from the first visit (Shanghai date).
            assert {t: (i, d) for t, (_, i, d) in catalogue.items()} == {
                "知识产权质押融资": ("待补充", "2026-01-06"),
                "研发费用加计扣除政策": ("待补充", "2026-03-01"),
            }
            presented = {vid: list(ids) for vid, ids in visits}
            assert presented[first] == [
                catalogue["研发费用加计扣除政策"][0],
                catalogue["知识产权质押融资"][0],
            ]
            assert presented[second] == [catalogue["知识产权质押融资"][0]]
            assert presented[bare] == []

            downgrade(url, BEFORE)
            (back,) = asyncio.run(_run(url, [("SELECT id, policies_presented FROM visit", {})]))
            assert {vid: list(titles) for vid, titles in back} == {
                first: ["研发费用加计扣除政策", "知识产权质押融资"],
                second: ["知识产权质押融资"],
                bare: [],
            }
        finally:
            asyncio.run(drop_database(url))
