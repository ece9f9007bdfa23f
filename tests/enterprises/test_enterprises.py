from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from app.enterprises.models import Enterprise
from app.enterprises.schemas import ENTERPRISE_EXAMPLE
from tests.factories import bearer, headers_for, make_enterprise, make_user, random_uscc
from tests.problems import assert_problem

VALID = ["91350100M000100Y43", "914403001922038216", "9144030071526726XG"]


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "uscc": random_uscc(),
        "name": "克拉玛依市正诚有限公司",
        "short_name": "正诚",
        "established_on": "2012-05-18",
        "district": "克拉玛依高新区",
        "industry_code": "M7320",
        "tech_field": "resources_environment",
        "tags": ["party_building_model"],
        "contact_name": "王建国",
        "contact_phone": "13899905678",
        "contact_email": "zhengcheng@example.com",
        **overrides,
    }


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Enterprise)) or 0)


class TestCreateEnterprise:
    def test_the_documented_example_is_accepted(self, live_api: tuple[str, dict[str, str]]) -> None:
        # Schemathesis sends it first; a document whose example is refused is not honest.
        base_url, headers = live_api
        response = httpx.post(
            f"{base_url}/api/v1/enterprises", headers=headers, json=ENTERPRISE_EXAMPLE
        )
        assert response.status_code == 201, response.text
        assert response.json()["uscc"] == ENTERPRISE_EXAMPLE["uscc"]

    @pytest.mark.parametrize("code", [*VALID, *(c.lower() for c in VALID)])
    async def test_domain_examples_are_accepted_in_any_case(
        self, client: httpx.AsyncClient, session: AsyncSession, code: str
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        response = await client.post("/api/v1/enterprises", headers=headers, json=body(uscc=code))
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["uscc"] == code.upper()
        assert created["status"] == "active"
        assert response.headers["location"] == f"/api/v1/enterprises/{created['id']}"
        assert response.headers["etag"] == '"1"'
        stored = await session.get(Enterprise, created["id"])
        assert stored is not None and stored.uscc == code.upper()

    @pytest.mark.parametrize(
        ("code", "rule"),
        [
            ("91350100M000100Y44", "check_character"),
            ("91350100M000100Y4", "length"),
            ("91350100M000100Y433", "length"),
            *[(VALID[0][:8] + letter + VALID[0][9:], "alphabet") for letter in "IOSVZ"],
        ],
    )
    async def test_invalid_codes_are_422_naming_the_rule_and_store_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, code: str, rule: str
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        before = await count(session)
        response = await client.post("/api/v1/enterprises", headers=headers, json=body(uscc=code))
        problem = assert_problem(response, 422, "invalid_uscc")
        assert rule in problem["detail"]
        assert problem["errors"][0]["loc"] == ["body", "uscc"]
        assert await count(session) == before

    async def test_duplicate_uscc_is_409(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.ADMIN)
        existing = await make_enterprise(session)
        response = await client.post(
            "/api/v1/enterprises", headers=headers, json=body(uscc=existing.uscc.lower())
        )
        assert_problem(response, 409, "duplicate_uscc")

    @pytest.mark.parametrize(
        "overrides",
        [
            {"contact_phone": "12345"},
            {"contact_email": "not-an-email"},
            {"tech_field": "agriculture"},
            {"industry_code": "Z99"},
            {"tags": ["Not A Tag"]},
            {"name": ""},
            {"name": "长" * 201},
        ],
    )
    async def test_bad_fields_are_422(
        self, client: httpx.AsyncClient, session: AsyncSession, overrides: dict[str, Any]
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        before = await count(session)
        response = await client.post("/api/v1/enterprises", headers=headers, json=body(**overrides))
        assert_problem(response, 422, "validation_failed")
        assert await count(session) == before

    @pytest.mark.parametrize("role", [Role.SPECIALIST, Role.ENTERPRISE])
    async def test_only_staff_register_enterprises(
        self, client: httpx.AsyncClient, session: AsyncSession, role: Role
    ) -> None:
        own = await make_enterprise(session)
        headers = await headers_for(
            session, role, enterprise_id=own.id if role is Role.ENTERPRISE else None
        )
        response = await client.post("/api/v1/enterprises", headers=headers, json=body())
        assert_problem(response, 403, "role_not_allowed")


class TestListEnterprises:
    @pytest.mark.parametrize("query", [None, "走查企业"], ids=["by_name", "by_relevance"])
    async def test_walking_250_with_limit_50_sees_each_once_while_others_are_inserted(
        self, client: httpx.AsyncClient, session: AsyncSession, query: str | None
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        originals = {
            str((await make_enterprise(session, name=f"走查企业{index:03d}有限公司")).id)
            for index in range(250)
        }
        seen: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            params: dict[str, Any] = {"limit": 50}
            if query:
                params["q"] = query
            if cursor:
                params["cursor"] = cursor
            page = await client.get("/api/v1/enterprises", headers=headers, params=params)
            assert page.status_code == 200
            seen += [item["id"] for item in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            pages += 1
            # New ones arrive between pages, on both sides of the cursor.
            await make_enterprise(session, name=f"走查企业000-{pages}新增有限公司")
            await make_enterprise(session, name=f"走查企业999-{pages}新增有限公司")
            if cursor is None:
                break
        assert len(seen) == len(set(seen)), "an enterprise came back twice"
        assert originals <= set(seen), "an enterprise was skipped"
        assert pages >= 5

    async def test_archived_enterprises_are_hidden_unless_asked_for(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.ADMIN)
        enterprise = await make_enterprise(session, name="归档测试有限公司")
        assert (
            await client.delete(f"/api/v1/enterprises/{enterprise.id}", headers=headers)
        ).status_code == 204
        active = await client.get("/api/v1/enterprises", headers=headers, params={"q": "归档测试"})
        assert active.json()["items"] == []
        archived = await client.get(
            "/api/v1/enterprises", headers=headers, params={"q": "归档测试", "status": "archived"}
        )
        assert [item["id"] for item in archived.json()["items"]] == [str(enterprise.id)]
        single = await client.get(f"/api/v1/enterprises/{enterprise.id}", headers=headers)
        assert single.json()["status"] == "archived"

    async def test_filters_by_tag_field_and_district(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.SPECIALIST)
        wanted = await make_enterprise(
            session,
            name="党建示范过滤有限公司",
            tags=["party_building_model"],
            tech_field="aerospace",
            district="白碱滩区",
        )
        await make_enterprise(
            session, name="普通过滤有限公司", tech_field="aerospace", district="白碱滩区"
        )
        response = await client.get(
            "/api/v1/enterprises",
            headers=headers,
            params={
                "tag": "party_building_model",
                "tech_field": "aerospace",
                "district": "白碱滩区",
            },
        )
        assert [item["id"] for item in response.json()["items"]] == [str(wanted.id)]


class TestSearch:
    async def test_two_chinese_characters_find_the_name(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        target = await make_enterprise(session, name="克拉玛依市正诚有限公司")
        await make_enterprise(session, name="克拉玛依市正大有限公司")
        response = await client.get("/api/v1/enterprises", headers=headers, params={"q": "正诚"})
        assert [item["id"] for item in response.json()["items"]] == [str(target.id)]

    async def test_one_character_and_long_queries_work(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        target = await make_enterprise(session, name="新疆鑫瑞石油技术有限公司", short_name="鑫瑞")
        one = await client.get("/api/v1/enterprises", headers=headers, params={"q": "鑫"})
        assert str(target.id) in [item["id"] for item in one.json()["items"]]
        long = await client.get(
            "/api/v1/enterprises", headers=headers, params={"q": "鑫瑞石油技术"}
        )
        assert [item["id"] for item in long.json()["items"]] == [str(target.id)]
        gap = await client.get("/api/v1/enterprises", headers=headers, params={"q": "鑫瑞技术"})
        assert gap.json()["items"] == []

    async def test_uscc_prefix_matches_in_any_case(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        target = await make_enterprise(session, uscc="9144030071526726XG")
        response = await client.get(
            "/api/v1/enterprises", headers=headers, params={"q": "9144030071526726x"}
        )
        assert [item["id"] for item in response.json()["items"]] == [str(target.id)]

    async def test_best_match_first_then_name(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        inner = await make_enterprise(session, name="克拉玛依润通有限公司")
        prefix_b = await make_enterprise(session, name="润通物流有限公司")
        prefix_a = await make_enterprise(session, name="润通安装有限公司")
        exact = await make_enterprise(session, name="某某公司", short_name="润通")
        response = await client.get("/api/v1/enterprises", headers=headers, params={"q": "润通"})
        ids = [item["id"] for item in response.json()["items"]]
        # Exact short name, then the two prefixes by name (安 sorts before 物), then inside.
        assert ids == [str(exact.id), str(prefix_a.id), str(prefix_b.id), str(inner.id)]

    async def test_pages_cross_from_best_matches_to_the_rest(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        for name in ["润通", "润通物流有限公司", "克拉玛依润通有限公司", "新疆润通能源有限公司"]:
            await make_enterprise(session, name=name)
        whole = await client.get("/api/v1/enterprises", headers=headers, params={"q": "润通"})
        expected = [item["name"] for item in whole.json()["items"]]
        assert expected == [
            "润通",
            "润通物流有限公司",
            "克拉玛依润通有限公司",
            "新疆润通能源有限公司",
        ]
        walked: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"q": "润通", "limit": 1}
            if cursor:
                params["cursor"] = cursor
            page = (await client.get("/api/v1/enterprises", headers=headers, params=params)).json()
            walked += [item["name"] for item in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert walked == expected

    async def test_search_pages_honour_every_filter(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """The search is built once per shape and reused with other values: each filter, and
        a cursor in either half, must still narrow it."""
        headers = await headers_for(session, Role.MANAGER)
        wanted = []
        for index in range(4):
            found = await make_enterprise(
                session,
                name=("筛选搜索" if index == 0 else f"新疆筛选搜索{index}有限公司"),
                tags=["party_building_model"],
                tech_field="aerospace",
                district="白碱滩区",
            )
            wanted.append(found.name)
        await make_enterprise(session, name="筛选搜索别区有限公司", district="独山子区")
        await make_enterprise(session, name="筛选搜索无标签有限公司", district="白碱滩区")
        filters = {"tag": "party_building_model", "tech_field": "aerospace", "district": "白碱滩区"}
        walked: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"q": "筛选搜索", "limit": 1, **filters}
            if cursor:
                params["cursor"] = cursor
            page = (await client.get("/api/v1/enterprises", headers=headers, params=params)).json()
            walked += [item["name"] for item in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert walked == ["筛选搜索", *sorted(wanted[1:])]
        other = await client.get(
            "/api/v1/enterprises", headers=headers, params={"q": "筛选搜索", "district": "独山子区"}
        )
        assert [item["name"] for item in other.json()["items"]] == ["筛选搜索别区有限公司"]

    async def test_search_pages_keep_their_order(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        for index in range(7):
            await make_enterprise(session, name=f"翻页搜索{index}有限公司")
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"q": "翻页搜索", "limit": 3}
            if cursor:
                params["cursor"] = cursor
            page = (await client.get("/api/v1/enterprises", headers=headers, params=params)).json()
            seen += [item["name"] for item in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == sorted(seen) and len(seen) == 7

    async def test_like_wildcards_in_the_query_are_literal(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        await make_enterprise(session, name="百分号测试有限公司")
        response = await client.get("/api/v1/enterprises", headers=headers, params={"q": "%_"})
        assert response.status_code == 200
        assert response.json()["items"] == []


class TestVisibility:
    async def test_enterprise_user_reads_only_its_own(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        own = await make_enterprise(session)
        other = await make_enterprise(session)
        user = await make_user(session, Role.ENTERPRISE, enterprise_id=own.id)
        headers = bearer(user)
        assert (
            await client.get(f"/api/v1/enterprises/{own.id}", headers=headers)
        ).status_code == 200
        assert_problem(
            await client.get(f"/api/v1/enterprises/{other.id}", headers=headers),
            404,
            "enterprise_not_found",
        )
        listed = await client.get("/api/v1/enterprises", headers=headers)
        assert [item["id"] for item in listed.json()["items"]] == [str(own.id)]

    async def test_integration_sees_masked_contacts(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        enterprise = await make_enterprise(
            session,
            contact_name="张三丰",
            contact_phone="13812345678",
            contact_email="zhangsan@example.com",
        )
        headers = await headers_for(session, Role.INTEGRATION)
        single = (await client.get(f"/api/v1/enterprises/{enterprise.id}", headers=headers)).json()
        assert single["contact_phone"] == "138****5678"
        assert single["contact_email"] == "z***@example.com"
        assert single["contact_name"] == "张**"
        listed = await client.get(
            "/api/v1/enterprises", headers=headers, params={"q": enterprise.uscc[:12]}
        )
        assert listed.json()["items"][0]["contact_phone"] == "138****5678"
        staff = await client.get(
            f"/api/v1/enterprises/{enterprise.id}", headers=await headers_for(session, Role.MANAGER)
        )
        assert staff.json()["contact_phone"] == "13812345678"


class TestUpdateEnterprise:
    async def test_stale_if_match_is_412_and_changes_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session, name="原名有限公司")
        etag = (await client.get(f"/api/v1/enterprises/{enterprise.id}", headers=headers)).headers[
            "etag"
        ]
        first = await client.patch(
            f"/api/v1/enterprises/{enterprise.id}",
            headers={**headers, "If-Match": etag},
            json={"name": "新名一有限公司"},
        )
        assert first.status_code == 200
        stale = await client.patch(
            f"/api/v1/enterprises/{enterprise.id}",
            headers={**headers, "If-Match": etag},
            json={"name": "新名二有限公司"},
        )
        assert_problem(stale, 412, "stale_etag")
        await session.refresh(enterprise)
        assert enterprise.name == "新名一有限公司"

    async def test_enterprise_user_changes_contacts_only(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        own = await make_enterprise(session, name="自家有限公司")
        headers = bearer(await make_user(session, Role.ENTERPRISE, enterprise_id=own.id))
        ok = await client.patch(
            f"/api/v1/enterprises/{own.id}", headers=headers, json={"contact_phone": "0990-6881234"}
        )
        assert ok.status_code == 200, ok.text
        assert ok.json()["contact_phone"] == "0990-6881234"
        refused = await client.patch(
            f"/api/v1/enterprises/{own.id}", headers=headers, json={"name": "改名有限公司"}
        )
        assert_problem(refused, 403, "field_not_allowed")
        await session.refresh(own)
        assert own.name == "自家有限公司"

    async def test_update_is_audited_with_before_and_after(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        enterprise = await make_enterprise(session, district="独山子区")
        response = await client.patch(
            f"/api/v1/enterprises/{enterprise.id}",
            headers=bearer(admin),
            json={"district": "乌尔禾区"},
        )
        assert response.status_code == 200
        events = await client.get(
            "/api/v1/audit-events",
            headers=bearer(admin),
            params={"resource_type": "enterprise", "resource_id": str(enterprise.id)},
        )
        (event,) = events.json()["items"]
        assert event["before"]["district"] == "独山子区"
        assert event["after"]["district"] == "乌尔禾区"
        assert event["actor_id"] == str(admin.id)

    async def test_name_cannot_be_cleared(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        response = await client.patch(
            f"/api/v1/enterprises/{enterprise.id}", headers=headers, json={"name": None}
        )
        assert_problem(response, 422, "validation_failed")


class TestEnterpriseUsers:
    async def test_an_enterprise_user_must_name_an_existing_enterprise(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await make_user(session)
        response = await client.post(
            "/api/v1/users",
            headers=bearer(admin),
            json={
                "email": "owner@example.com",
                "password": "long-enough-pw",
                "role": "enterprise",
                "enterprise_id": "00000000-0000-0000-0000-000000000000",
            },
        )
        assert_problem(response, 422, "unknown_enterprise")
