"""Issue 16 point 7: a client that holds a representation asks again with `If-None-Match`
and gets 304 while it is current (single resources and the enum labels); `If-Match` uses the
strong comparison, so a weak tag never authorises a write."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from tests.factories import headers_for, make_enterprise
from tests.problems import assert_problem


async def test_a_current_etag_gets_304_and_a_stale_one_the_resource(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await headers_for(session, Role.MANAGER)
    enterprise = await make_enterprise(session)
    url = f"/api/v1/enterprises/{enterprise.id}"
    first = await client.get(url, headers=headers)
    assert first.status_code == 200
    tag = first.headers["ETag"]
    for method in ("GET", "HEAD"):
        for held in (tag, f"W/{tag}", f'"0", {tag}', "*"):
            again = await client.request(method, url, headers=headers | {"If-None-Match": held})
            assert again.status_code == 304, (method, held)
            assert again.content == b""
            assert again.headers["ETag"] == tag
            assert "content-type" not in again.headers
    changed = await client.patch(
        url, headers=headers | {"If-Match": tag}, json={"district": "乌尔禾区"}
    )
    assert changed.status_code == 200, changed.text
    stale = await client.get(url, headers=headers | {"If-None-Match": tag})
    assert stale.status_code == 200
    assert stale.json()["district"] == "乌尔禾区"
    assert stale.headers["ETag"] != tag


async def test_the_enum_labels_carry_an_etag_of_their_content(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await headers_for(session, Role.SPECIALIST)
    every = await client.get("/api/v1/meta/enums", headers=headers)
    one = await client.get("/api/v1/meta/enums", headers=headers, params={"name": "AlertColor"})
    assert every.headers["ETag"] != one.headers["ETag"]
    cached = await client.get(
        "/api/v1/meta/enums", headers=headers | {"If-None-Match": every.headers["ETag"]}
    )
    assert cached.status_code == 304 and cached.content == b""
    # The same content, asked again, has the same tag.
    assert (await client.get("/api/v1/meta/enums", headers=headers)).headers["ETag"] == (
        every.headers["ETag"]
    )


async def test_if_match_compares_strongly(client: httpx.AsyncClient, session: AsyncSession) -> None:
    headers = await headers_for(session, Role.MANAGER)
    enterprise = await make_enterprise(session)
    url = f"/api/v1/enterprises/{enterprise.id}"
    tag = (await client.get(url, headers=headers)).headers["ETag"]
    weak = await client.patch(
        url, headers=headers | {"If-Match": f"W/{tag}"}, json={"district": "克拉玛依区"}
    )
    assert_problem(weak, 412, "stale_etag")
    strong = await client.patch(
        url, headers=headers | {"If-Match": tag}, json={"district": "克拉玛依区"}
    )
    assert strong.status_code == 200, strong.text
