"""Issue 16 point 4 (begun): the language of the answer from Accept-Language (zh-CN or en),
the sentences from gettext catalogues (app/locale/*.po), machine fields unchanged."""

from __future__ import annotations

import re
import string

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from app.config import PROJECT_ROOT
from app.i18n import CATALOGUES, EN, ZH, negotiate
from tests.factories import headers_for, make_enterprise
from tests.problems import assert_problem


def written_in_code() -> set[str]:
    return {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(PROJECT_ROOT / "app"),
            method_map=[("**.py", "python")],
            keywords={"_": None, "N_": None},
        )
        if isinstance(message, str)  # a plural form would be a tuple; the code writes none
    }


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_chinese_catalogue_translates_every_sentence_the_code_writes() -> None:
    with (CATALOGUES / "zh_CN.po").open("rb") as source:
        catalogue = read_po(source)
    translated = {m.id: m.string for m in catalogue if m.id}
    written = written_in_code()
    assert len(written) >= 20
    assert written - set(translated) == set(), "sentences the catalogue lacks"
    assert set(translated) - written == set(), "sentences the code no longer writes"
    for english, chinese in translated.items():
        assert isinstance(english, str) and isinstance(chinese, str)
        assert chinese and re.search(r"[\u4e00-\u9fff]", chinese), english
        assert fields(chinese) == fields(english), english


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, EN),
        ("", EN),
        ("zh-CN", ZH),
        ("zh-CN,zh;q=0.9,en;q=0.8", ZH),
        ("en-US,en;q=0.9,zh-CN;q=0.8", EN),
        ("zh-Hans;q=0.5, en;q=0.4", ZH),
        ("fr-FR, de", EN),
        ("zh;q=abc, en;q=0.1", EN),
    ],
)
def test_the_language_is_negotiated(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


async def test_problems_speak_the_asked_language_and_keep_their_code(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    staff = await headers_for(session, Role.MANAGER)
    path = "/api/v1/enterprises/00000000-0000-0000-0000-000000000000"
    chinese = await client.get(path, headers={**staff, "Accept-Language": "zh-CN,zh;q=0.9"})
    assert_problem(chinese, 404, "enterprise_not_found")
    assert chinese.json()["title"] == "未找到"
    assert chinese.headers["content-language"] == ZH
    assert "Accept-Language" in chinese.headers["vary"]
    english = await client.get(path, headers=staff)
    assert_problem(english, 404, "enterprise_not_found")
    assert english.json()["title"] == "Not found"
    assert english.headers["content-language"] == EN


async def test_alert_reasons_are_described_in_the_asked_language(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    staff = await headers_for(session, Role.MANAGER)
    enterprise = await make_enterprise(session)
    created = await client.post(
        "/api/v1/projects",
        headers=staff,
        json={
            "enterprise_id": str(enterprise.id),
            "title": "超期项目",
            "level": "city",
            "start_on": "2024-01-01",
            "end_on": "2025-06-30",
            "status": "approved",
        },
    )
    assert created.status_code == 201, created.text
    said = {}
    for language in ("zh-CN", "en"):
        read = await client.get(
            f"/api/v1/projects/{created.json()['id']}",
            headers={**staff, "Accept-Language": language},
        )
        assert read.status_code == 200, read.text
        (past_end,) = [r for r in read.json()["alert"]["reasons"] if r["code"] == "past_end_date"]
        said[language] = past_end["description"]
    assert said["zh-CN"].startswith("项目应于2025-06-30结束，已超期")
    assert said["en"].startswith("The project was to end on 2025-06-30,")
