"""Issue 16 point 4: an import's row errors and its failure are stored as sentences and read
in each reader's language (the job ran in no request, so in no language of its own); the
line, field and counts never change with it."""

from __future__ import annotations

import json
import re

import httpx

from tests.factories import random_uscc
from tests.imports.conftest import Live, finished

CHINESE = re.compile(r"[\u4e00-\u9fff]")
BAD_USCC = "91350100M000100Y44"


async def test_row_errors_and_failures_are_read_in_the_readers_language(live: Live) -> None:
    repeated = random_uscc()
    lines = [
        json.dumps({"uscc": BAD_USCC, "name": "校验码错误公司"}, ensure_ascii=False),
        json.dumps({"uscc": random_uscc()}),  # the name is missing
        "not json at all",
        json.dumps({"uscc": repeated, "name": "第一家"}, ensure_ascii=False),
        json.dumps({"uscc": repeated, "name": "重复的"}, ensure_ascii=False),
        json.dumps({"uscc": random_uscc(), "name": "好公司", "established_on": "2020-02-30"}),
    ]
    async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
        created = await client.post(
            "/api/v1/imports/enterprises",
            headers={**live.admin, "Content-Type": "application/x-ndjson"},
            params={"mode": "valid_only"},
            content="\n".join(lines).encode(),
        )
        assert created.status_code == 202, created.text
        job = await finished(client, live, created.headers["location"])
        assert job["stored"] == 1 and job["error_count"] == 5, job
        read = {
            language: (
                await client.get(
                    created.headers["location"],
                    headers={**live.admin, "Accept-Language": language},
                )
            ).json()
            for language in ("zh-CN", "en")
        }
        listed = (
            await client.get(
                f"/api/v1/imports/{job['id']}/errors",
                headers={**live.admin, "Accept-Language": "zh-CN"},
            )
        ).json()
        zh, en = read["zh-CN"]["errors"], read["en"]["errors"]
        assert [(e["line"], e["field"]) for e in zh] == [(e["line"], e["field"]) for e in en]
        assert [(e["line"], e["field"]) for e in zh] == [
            (1, "uscc"),
            (2, "name"),
            (3, None),
            (5, "uscc"),
            (6, "established_on"),
        ]
        assert [e["message"] for e in listed["items"]] == [e["message"] for e in zh]
        for chinese, english in zip(zh, en, strict=True):
            assert CHINESE.search(chinese["message"]), chinese
            assert not CHINESE.search(english["message"]), english
        by_line = {e["line"]: e["message"] for e in zh}
        assert by_line[2] == "必填字段"
        assert by_line[5] == f"{repeated} 与第 4 行重复"
        assert {e["line"]: e["message"] for e in en}[5] == f"{repeated} repeats line 4"

        # A file that cannot be read at all: the job's failure, in either language.
        broken = await client.post(
            "/api/v1/imports/enterprises",
            headers={**live.admin, "Content-Type": "text/csv"},
            content=b"uscc,name\n\xff\xfe bad bytes\n",
        )
        assert broken.status_code == 202, broken.text
        failed = await finished(client, live, broken.headers["location"])
        assert failed["status"] == "failed"
        zh_failure = (
            await client.get(
                broken.headers["location"], headers={**live.admin, "Accept-Language": "zh-CN"}
            )
        ).json()["failure"]
        assert failed["failure"].startswith("the file is not UTF-8")
        assert zh_failure.startswith("文件不是 UTF-8 编码")
    stored = await live.fetchval(
        "SELECT message FROM import_error WHERE job_id = $1 AND line = 5", job["id"]
    )
    assert stored == f"{repeated} repeats line 4"  # the table keeps English for its readers
