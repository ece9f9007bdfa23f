from __future__ import annotations

import json
import random
from typing import Any

import httpx

from tests.factories import random_uscc, workbook
from tests.imports.conftest import Live, fetchrow, finished
from tests.problems import assert_problem

BAD_USCC = "91350100M000100Y44"  # the standard's example with a wrong check character
REPORT = {
    "revenue": "38500000.00",
    "high_tech_revenue": "27200000.00",
    "total_cost": "31000000.00",
    "net_assets": "-100.50",
    "total_assets": "42000000.00",
    "employees": 86,
    "st_staff": 21,
    "rd_expense": "2150000.00",
    "rd_expense_domestic": "2150000.00",
}


def _csv(usccs: list[str], prefix: str) -> bytes:
    lines = ["uscc,name,tech_field,tags,contact_phone"]
    lines += [
        f"{uscc},克拉玛依市{prefix}{n}有限公司,new_materials,a;b,13899905678"
        for n, uscc in enumerate(usccs)
    ]
    return ("\n".join(lines) + "\n").encode()


async def _count(live: Live, usccs: list[str]) -> int:
    return int(await live.fetchval("SELECT count(*) FROM enterprise WHERE uscc = ANY($1)", usccs))


class TestEnterpriseImport:
    async def test_one_bad_row_in_ten_thousand_stores_nothing_then_the_rest_in_valid_only(
        self, live: Live
    ) -> None:
        rng = random.Random(9)
        usccs = [random_uscc(rng) for _ in range(10_000)]
        usccs[4_999] = BAD_USCC  # data row 5,000: line 5,001 after the header
        body = _csv(usccs, "批量")
        good = [u for u in usccs if u != BAD_USCC]
        async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
            strict = await client.post(
                "/api/v1/imports/enterprises",
                headers={**live.admin, "Content-Type": "text/csv"},
                content=body,
            )
            assert strict.status_code == 202, strict.text
            assert strict.json()["status"] in ("pending", "running")
            job = await finished(client, live, strict.headers["location"])
            assert (job["status"], job["stored"], job["total"], job["error_count"]) == (
                "failed",
                0,
                10_000,
                1,
            )
            assert [(e["line"], e["field"]) for e in job["errors"]] == [(5001, "uscc")]
            assert "check_character" in job["errors"][0]["message"]
            assert await _count(live, usccs) == 0

            lenient = await client.post(
                "/api/v1/imports/enterprises",
                headers={**live.admin, "Content-Type": "text/csv"},
                params={"mode": "valid_only"},
                content=body,
            )
            job = await finished(client, live, lenient.headers["location"])
            assert (job["status"], job["stored"], job["processed"]) == ("succeeded", 9_999, 10_000)
            assert [(e["line"], e["field"]) for e in job["errors"]] == [(5001, "uscc")]
        assert await _count(live, good) == 9_999
        assert await _count(live, [BAD_USCC]) == 0
        stored = await live.fetchval("SELECT tags FROM enterprise WHERE uscc = $1", good[0])
        assert stored == ["a", "b"]
        audited = await live.fetchval(
            "SELECT count(*) FROM audit_event WHERE action = 'enterprise.create'"
            " AND request_id = $1",
            f"import:{job['id']}",
        )
        assert audited == 9_999

    async def test_registered_codes_and_repeats_are_named_by_line(self, live: Live) -> None:
        first, second = random_uscc(), random_uscc()
        ndjson = "\n".join(
            json.dumps(row, ensure_ascii=False)
            for row in (
                {"uscc": first, "name": "一号公司"},
                {"uscc": second.lower(), "name": "二号公司"},  # stored upper-case
                {"uscc": second, "name": "二号重复"},
                {"uscc": random_uscc(), "name": ""},
                {"uscc": random_uscc(), "name": "未知字段", "colour": "red"},
            )
        ).encode()
        async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
            posted = await client.post(
                "/api/v1/imports/enterprises",
                headers={**live.admin, "Content-Type": "application/x-ndjson"},
                params={"mode": "valid_only"},
                content=ndjson,
            )
            job = await finished(client, live, posted.headers["location"])
            assert job["stored"] == 2
            assert [(e["line"], e["field"]) for e in job["errors"]] == [
                (3, "uscc"),
                (4, "name"),
                (5, "colour"),
            ]
            again = await client.post(
                "/api/v1/imports/enterprises",
                headers={**live.admin, "Content-Type": "application/x-ndjson"},
                content=ndjson.splitlines()[0] + b"\n",
            )
            job = await finished(client, live, again.headers["location"])
            assert job["status"] == "failed"
            assert job["errors"][0]["message"] == f"{first} is already registered"


class TestAnnualReportImport:
    async def test_reports_load_by_uscc_and_year_and_bad_ones_are_named(self, live: Live) -> None:
        uscc = random_uscc()
        async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
            created = await client.post(
                "/api/v1/enterprises", headers=live.admin, json={"uscc": uscc, "name": "报表公司"}
            )
            assert created.status_code == 201
            rows = [
                {"uscc": uscc, "year": 2024, **REPORT, "rd_accounting": True},
                {"uscc": uscc, "year": 2025, **REPORT, "filed_on": "2026-04-01"},
                {"uscc": random_uscc(), "year": 2025, **REPORT},
                {"uscc": uscc, "year": 2025, **REPORT},
                {"uscc": uscc, "year": 2023, **REPORT, "st_staff": 999},
            ]
            posted = await client.post(
                "/api/v1/imports/annual-reports",
                headers={**live.admin, "Content-Type": "application/x-ndjson"},
                params={"mode": "valid_only"},
                content="\n".join(json.dumps(r) for r in rows).encode(),
            )
            job = await finished(client, live, posted.headers["location"])
            assert job["stored"] == 2, job
            assert [(e["line"], e["field"]) for e in job["errors"]] == [
                (3, "uscc"),
                (4, "year"),
                (5, None),
            ]
            # Every rejected row, page by page, in line order.
            pages = [
                await client.get(
                    f"{posted.headers['location']}/errors", headers=live.admin, params={"limit": 2}
                )
            ]
            while pages[-1].json()["next_cursor"]:
                pages.append(
                    await client.get(
                        f"{posted.headers['location']}/errors",
                        headers=live.admin,
                        params={"limit": 2, "cursor": pages[-1].json()["next_cursor"]},
                    )
                )
            assert [[e["line"] for e in p.json()["items"]] for p in pages] == [[3, 4], [5]]
            missing = await client.get(
                f"/api/v1/imports/{created.json()['id']}/errors", headers=live.admin
            )
            assert_problem(missing, 404, "import_job_not_found")
            report = await client.get(
                f"/api/v1/enterprises/{created.json()['id']}/annual-reports/2024",
                headers=live.admin,
            )
            assert report.json()["net_assets"] == "-100.50"
            assert report.json()["rd_org"]["rd_accounting"] is True

    async def test_the_pools_re_advise_the_members_whose_reports_were_loaded(
        self, live: Live
    ) -> None:
        member_uscc, outsider_uscc = random_uscc(), random_uscc()
        async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
            ids = {}
            for uscc in (member_uscc, outsider_uscc):
                created = await client.post(
                    "/api/v1/enterprises",
                    headers=live.admin,
                    json={
                        "uscc": uscc,
                        "name": f"建议公司{uscc[-4:]}",
                        "tech_field": "new_materials",
                    },
                )
                ids[uscc] = created.json()["id"]
            filed = await client.put(
                f"/api/v1/enterprises/{ids[member_uscc]}/annual-reports/2023",
                headers=live.admin,
                json={**REPORT, "net_assets": "16400000.00"},
            )
            assert filed.status_code in (200, 201), filed.text
            entered = await client.post(
                "/api/v1/pools/sme/members",
                headers=live.admin,
                json={"enterprise_id": ids[member_uscc], "tier": "selected", "reason": "导入测试"},
            )
            assert entered.status_code == 201, entered.text
            assert entered.json()["assessed_year"] == 2023
            rows = [{"uscc": u, "year": 2024, **REPORT} for u in (member_uscc, outsider_uscc)]
            posted = await client.post(
                "/api/v1/imports/annual-reports",
                headers={**live.admin, "Content-Type": "application/x-ndjson"},
                content="\n".join(json.dumps(r) for r in rows).encode(),
            )
            job = await finished(client, live, posted.headers["location"])
            assert (job["status"], job["stored"]) == ("succeeded", 2), job
            member = await client.get(
                f"/api/v1/pools/sme/members/{entered.json()['id']}", headers=live.admin
            )
            assert member.json()["assessed_year"] == 2024


class TestUpload:
    async def test_a_file_over_the_general_body_limit_is_accepted_here(self, live: Live) -> None:
        rng = random.Random(11)
        body = _csv([random_uscc(rng) for _ in range(20_000)], "大文件")
        assert len(body) > 1024 * 1024
        async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
            posted = await client.post(
                "/api/v1/imports/enterprises",
                headers={**live.admin, "Content-Type": "text/csv"},
                content=body,
            )
            assert posted.status_code == 202, posted.text
            elsewhere = await client.post("/api/v1/enterprises", headers=live.admin, content=body)
            assert_problem(elsewhere, 413, "payload_too_large")
            job = await finished(client, live, posted.headers["location"])
            assert job["stored"] == 20_000

    async def test_unknown_media_type_empty_file_and_wrong_role_are_refused(
        self, live: Live
    ) -> None:
        async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
            assert_problem(
                await client.post(
                    "/api/v1/imports/enterprises",
                    headers={**live.admin, "Content-Type": "application/pdf"},
                    content=b"%PDF",
                ),
                415,
                "unsupported_media_type",
            )
            assert_problem(
                await client.post(
                    "/api/v1/imports/enterprises",
                    headers={**live.admin, "Content-Type": "text/csv"},
                    content=b"  \n",
                ),
                422,
                "empty_file",
            )
            assert_problem(
                await client.get(
                    "/api/v1/imports/00000000-0000-0000-0000-000000000000", headers=live.admin
                ),
                404,
                "import_job_not_found",
            )

    async def test_a_file_that_is_not_utf8_fails_the_job_as_a_whole(self, live: Live) -> None:
        async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
            posted = await client.post(
                "/api/v1/imports/enterprises",
                headers={**live.admin, "Content-Type": "text/csv"},
                content="uscc,name\n91350100M000100Y43,正诚\n".encode("gbk"),
            )
            job = await finished(client, live, posted.headers["location"])
            assert job["status"] == "failed"
            assert "not UTF-8" in job["failure"]


class TestLineLimits:
    """One line past the parsing limits is one row error; the rest of the job goes on."""

    @staticmethod
    def _ndjson(good: list[str]) -> bytes:
        lines = [
            json.dumps({"uscc": good[0], "name": "深度之前公司"}, ensure_ascii=False),
            "[" * 100_000,  # line 2: past the line length (and would exhaust the stack)
            "[" * 30_000,  # line 3: short enough, but nested far too deep
            json.dumps(
                {
                    "uscc": good[1],
                    "name": "深层",
                    "tags": [
                        [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
                    ],
                },
                ensure_ascii=False,
            ),
            '{"uscc": "' + good[2] + '", "employees": ' + "9" * 5_000 + "}",  # line 5
            json.dumps({"uscc": good[3], "name": "名称\u2028换行符"}, ensure_ascii=False),
            json.dumps({"uscc": good[4], "name": "深度之后公司"}, ensure_ascii=False),
        ]
        return ("\n".join(lines) + "\n").encode()

    async def test_a_deeply_nested_or_overlong_ndjson_line_is_one_row_error(
        self, live: Live
    ) -> None:
        good = [random_uscc() for _ in range(5)]
        body = self._ndjson(good)
        expected = [
            (2, "the line is longer than 65536 characters"),
            (3, "nested deeper than 32 levels"),
            (4, "nested deeper than 32 levels"),
            (5, "not JSON: a number with too many digits"),
        ]
        async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
            strict = await client.post(
                "/api/v1/imports/enterprises",
                headers={**live.admin, "Content-Type": "application/x-ndjson"},
                content=body,
            )
            job = await finished(client, live, strict.headers["location"])
            # The usual rule, not a job that broke: failed for its bad rows, nothing stored.
            assert (job["status"], job["stored"], job["failure"]) == ("failed", 0, None), job
            assert [(e["line"], e["message"]) for e in job["errors"]] == expected
            assert await _count(live, good) == 0

            lenient = await client.post(
                "/api/v1/imports/enterprises",
                headers={**live.admin, "Content-Type": "application/x-ndjson"},
                params={"mode": "valid_only"},
                content=body,
            )
            job = await finished(client, live, lenient.headers["location"])
        assert (job["status"], job["stored"], job["total"]) == ("succeeded", 3, 7), job
        assert [(e["line"], e["message"]) for e in job["errors"]] == expected
        assert await _count(live, [good[0], good[3], good[4]]) == 3
        # U+2028 is allowed inside a JSON string: it does not end the line.
        name = await live.fetchval("SELECT name FROM enterprise WHERE uscc = $1", good[3])
        assert name == "名称\u2028换行符"

    async def test_an_overlong_csv_line_is_one_row_error_and_the_rows_after_it_are_read(
        self, live: Live
    ) -> None:
        good = [random_uscc() for _ in range(3)]
        lines = [
            "uscc,name,tech_field",
            f"{good[0]},长行之前公司,new_materials",
            f"{random_uscc()},{'长' * 140_000},new_materials",  # line 3: past every limit
            f"{good[1]},长行之后公司,new_materials",
            f'{good[2]},"两行的',  # a quoted name over two lines: one row, read as one
            '名称",new_materials',
        ]
        async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
            posted = await client.post(
                "/api/v1/imports/enterprises",
                headers={**live.admin, "Content-Type": "text/csv"},
                params={"mode": "valid_only"},
                content=("\n".join(lines) + "\n").encode(),
            )
            job = await finished(client, live, posted.headers["location"])
        assert (job["status"], job["stored"]) == ("succeeded", 3), job
        assert [(e["line"], e["message"]) for e in job["errors"]] == [
            (3, "the line is longer than 65536 characters")
        ]
        assert await _count(live, good) == 3


class TestTheListOfJobs:
    async def test_jobs_newest_first_filtered_without_their_rows(self, live: Live) -> None:
        async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
            made = []
            for n in range(3):
                answer = await client.post(
                    "/api/v1/imports/enterprises",
                    headers={**live.admin, "Content-Type": "text/csv"},
                    content=_csv([random_uscc(), "BAD"], f"列表{n}"),
                    params={"mode": "valid_only"},
                )
                assert answer.status_code == 202, answer.text
                made.append(await finished(client, live, answer.headers["location"]))
            listed = await client.get(
                "/api/v1/imports",
                headers=live.admin,
                params={"kind": "enterprises", "limit": "2", "include_total": "true"},
            )
            assert listed.status_code == 200, listed.text
            page = listed.json()
            ids = [job["id"] for job in page["items"]]
            # The newest first; this module's other tests may have added jobs before.
            assert ids == [made[2]["id"], made[1]["id"]]
            assert page["has_more"] and page["total"] >= 3
            assert all("errors" not in job for job in page["items"])
            assert page["items"][0]["error_count"] == 1
            failed = await client.get(
                "/api/v1/imports", headers=live.admin, params={"status": "pending"}
            )
            assert [j["id"] for j in failed.json()["items"] if j["id"] in ids] == []


class TestRowErrorOrder:
    async def test_the_errors_of_a_row_come_in_one_order_every_time(self, live: Live) -> None:
        bad = {"uscc": "BAD", "name": "", "established_on": "昨天", "tech_field": "炼金术"}
        body = "\n".join(
            json.dumps(row, ensure_ascii=False) for row in ({"uscc": random_uscc()}, bad, bad)
        ).encode()
        orders = []
        async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
            for _ in range(3):
                answer = await client.post(
                    "/api/v1/imports/enterprises",
                    headers={**live.admin, "Content-Type": "application/x-ndjson"},
                    content=body,
                )
                assert answer.status_code == 202, answer.text
                job = await finished(client, live, answer.headers["location"])
                listed = await client.get(
                    f"{answer.headers['location']}/errors", headers=live.admin
                )
                orders.append([(e["line"], e["field"]) for e in listed.json()["items"]])
                assert [(e["line"], e["field"]) for e in job["errors"]] == orders[-1]
        assert len(orders[0]) >= 8  # several errors on each bad line
        assert orders[0] == orders[1] == orders[2]
        assert [line for line, _ in orders[0]] == sorted(line for line, _ in orders[0])


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TestHowAFileIsSent:
    """A form's `file` part, or the body as bytes: CSV, NDJSON or an xlsx workbook, the
    format said by the media type, the file's name or its first bytes."""

    async def test_every_way_of_sending_stores_the_row(self, live: Live) -> None:
        usccs = [random_uscc() for _ in range(6)]

        def one(n: int, name: str) -> list[list[object]]:
            return [["uscc", "name", "tags"], [usccs[n], name, "a;b"]]

        octets = {"Content-Type": "application/octet-stream"}
        ndjson = json.dumps({"uscc": usccs[2], "name": "字节三有限公司"}).encode()
        csv = f"uscc,name\n{usccs[3]},表单四有限公司\n".encode()
        ways: dict[str, tuple[str, dict[str, Any]]] = {
            "xlsx as bytes": ("xlsx", {"headers": octets, "content": workbook(one(0, "表格一"))}),
            "xlsx by its media type": (
                "xlsx",
                {"headers": {"Content-Type": XLSX}, "content": workbook(one(1, "表格二"))},
            ),
            "ndjson as bytes": ("ndjson", {"headers": octets, "content": ndjson}),
            "csv in a form, by name": ("csv", {"files": {"file": ("e.csv", csv)}}),
            "xlsx in a form, unnamed": (
                "xlsx",
                {"files": {"file": ("upload", workbook(one(4, "表单五")), octets["Content-Type"])}},
            ),
            "ndjson in a form, by its type": (
                "ndjson",
                {
                    "files": {
                        "file": (
                            "upload.txt",
                            json.dumps({"uscc": usccs[5], "name": "表单六"}).encode(),
                            "application/x-ndjson",
                        )
                    }
                },
            ),
        }
        async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
            for way, (expected, sent) in ways.items():
                headers = {**live.admin, **sent.pop("headers", {})}
                answer = await client.post("/api/v1/imports/enterprises", headers=headers, **sent)
                assert answer.status_code == 202, (way, answer.text)
                job = await finished(client, live, answer.headers["location"])
                assert (job["status"], job["stored"], job["format"]) == (
                    "succeeded",
                    1,
                    expected,
                ), (way, job)
            assert await _count(live, usccs) == 6
            named = await client.get(
                "/api/v1/enterprises", headers=live.admin, params={"q": usccs[0]}
            )
            assert named.json()["items"][0]["tags"] == ["a", "b"]

    async def test_a_form_without_its_file_or_a_damagedworkbook(self, live: Live) -> None:
        async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
            assert_problem(
                await client.post(
                    "/api/v1/imports/enterprises",
                    headers=live.admin,
                    data={"note": "no file"},
                    files={"other": ("e.csv", b"uscc,name\n")},
                ),
                422,
                "file_missing",
            )
            answer = await client.post(
                "/api/v1/imports/enterprises",
                headers={**live.admin, "Content-Type": XLSX},
                content=b"PK\x03\x04 not really a workbook",
            )
            assert answer.status_code == 202, answer.text
            job = await finished(client, live, answer.headers["location"])
            assert (job["status"], job["failure"]) == (
                "failed",
                "the file is not an xlsx workbook",
            ), job


async def test_a_csv_carries_the_sme_basic_conditions_as_text(live: Live) -> None:
    # Issue 17 point 4: the new enterprise fields load from a spreadsheet's cells.
    first, second = random_uscc(), random_uscc()
    body = (
        "uscc,name,resident_enterprise,restricted_products,credit_listed,tax_collection\n"
        f"{first},克拉玛依基本条件甲公司,true,false,true,assessed\n"
        f"{second},克拉玛依基本条件乙公司,false,true,false,\n"
    ).encode()
    async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
        created = await client.post(
            "/api/v1/imports/enterprises",
            headers={**live.admin, "Content-Type": "text/csv"},
            content=body,
        )
        assert created.status_code == 202, created.text
        job = await finished(client, live, created.headers["location"])
        assert (job["status"], job["stored"], job["errors"]) == ("succeeded", 2, []), job
    stored = await fetchrow(
        live.dsn,
        "SELECT resident_enterprise, restricted_products, credit_listed, tax_collection"
        " FROM enterprise WHERE uscc = $1",
        first,
    )
    assert tuple(stored) == (True, False, True, "assessed")
    other = await fetchrow(
        live.dsn,
        "SELECT resident_enterprise, restricted_products, tax_collection FROM enterprise"
        " WHERE uscc = $1",
        second,
    )
    assert tuple(other) == (False, True, None)
