"""Writers commit out of order while a reader follows the feed all along: the reader must
end with every committed change exactly once, and none of the rolled-back ones."""

from __future__ import annotations

import asyncio
import itertools
import random

import httpx

from tests.changes.conftest import Feed, insert_enterprise, rename_enterprise

WRITERS = 6
TRANSACTIONS_PER_WRITER = 12


async def _writer(
    feed: Feed,
    seed: int,
    committed: set[tuple[str, int]],
    commit_order: list[int],
) -> None:
    rng = random.Random(seed)
    conn = await feed.connect()
    try:
        for _ in range(TRANSACTIONS_PER_WRITER):
            tx = conn.transaction()
            await tx.start()
            xid = int(await conn.fetchval("SELECT pg_current_xact_id()::text::bigint"))
            written: list[tuple[str, int]] = []
            for _ in range(rng.randint(1, 3)):
                enterprise_id = await insert_enterprise(conn)
                written.append((enterprise_id, 1))
                if rng.random() < 0.5:
                    written.append((enterprise_id, await rename_enterprise(conn, enterprise_id)))
                # Holding the transaction open lets later ones commit first.
                await asyncio.sleep(rng.uniform(0, 0.03))
            if rng.random() < 0.15:
                await tx.rollback()
                continue
            await tx.commit()
            commit_order.append(xid)
            committed.update(written)
    finally:
        await conn.close()


class TestConcurrentWriters:
    async def test_a_polling_reader_misses_nothing_when_commits_come_out_of_order(
        self, feed: Feed
    ) -> None:
        headers = await feed.key("read:changes", "read:enterprises")
        # Start after whatever earlier tests wrote.
        async with httpx.AsyncClient(base_url=feed.base_url, timeout=30) as client:
            start = await client.get("/api/v1/changes", headers=headers, params={"limit": 200})
            while start.json()["has_more"]:
                start = await client.get(
                    "/api/v1/changes",
                    headers=headers,
                    params={"limit": 200, "after": start.json()["next_cursor"]},
                )
            committed: set[tuple[str, int]] = set()
            commit_order: list[int] = []
            seen: list[tuple[str, int]] = []
            stop = asyncio.Event()

            reading = asyncio.create_task(
                _reader_after(client, headers, start.json()["next_cursor"], seen, stop, committed)
            )
            await asyncio.gather(
                *(_writer(feed, seed, committed, commit_order) for seed in range(WRITERS))
            )
            stop.set()
            await asyncio.wait_for(reading, timeout=90)

        # The hazard really happened: some transaction committed after a younger one.
        assert any(a > b for a, b in itertools.pairwise(commit_order))
        assert len(seen) == len(set(seen)), "a change was served twice"
        assert set(seen) == committed


async def _reader_after(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    cursor: str,
    seen: list[tuple[str, int]],
    stop: asyncio.Event,
    committed: set[tuple[str, int]],
) -> None:
    extra_polls = 0
    while True:
        page = await client.get(
            "/api/v1/changes",
            headers=headers,
            params={"limit": 7, "resource": "enterprise", "after": cursor},
        )
        assert page.status_code == 200, page.text
        body = page.json()
        seen.extend((item["id"], item["version"]) for item in body["items"])
        cursor = body["next_cursor"]
        # Once the writers are done and everything committed has arrived, two more polls
        # make sure nothing else (a duplicate, a rolled-back change) follows. Another
        # database's long transaction may delay changes, so arrival is awaited, not assumed.
        if stop.is_set() and committed <= set(seen) and not body["has_more"]:
            extra_polls += 1
            if extra_polls > 2:
                return
        await asyncio.sleep(0.002)
