"""Issue 16 point 4: the language of the answer from Accept-Language (zh-CN or en),
the sentences from gettext catalogues (app/locale/*.po), machine fields unchanged."""

from __future__ import annotations

import ast
import json
import re
import string
from datetime import date
from decimal import ROUND_UP, Decimal

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from pydantic_core._pydantic_core import list_all_errors
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from app.config import PROJECT_ROOT
from app.i18n import CATALOGUES, EN, ZH, Sentence, Yuan, locale_var, negotiate
from app.validation_messages import MESSAGES
from tests.factories import headers_for, make_enterprise, make_report
from tests.problems import assert_problem


def written_in_code() -> set[str]:
    return {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(PROJECT_ROOT / "app"),
            method_map=[("**.py", "python")],
            keywords={"_": None, "N_": None, "Sentence": None, "inconsistent": None},
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


async def test_problem_details_and_field_errors_speak_the_asked_language(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    staff = await headers_for(session, Role.MANAGER)
    missing = "/api/v1/enterprises/00000000-0000-0000-0000-000000000000"
    chinese = (await client.get(missing, headers={**staff, "Accept-Language": "zh-CN"})).json()
    english = (await client.get(missing, headers=staff)).json()
    assert chinese["detail"] == "企业 00000000-0000-0000-0000-000000000000 不存在"
    assert english["detail"] == "enterprise 00000000-0000-0000-0000-000000000000 does not exist"

    # One bad code, one missing field, one unknown field: pydantic's own messages and the
    # service's USCC rule, each worded in Chinese, their machine fields unchanged.
    body = {"uscc": "91350100M000100Y44", "tags": [], "colour": "red", "established_on": "20-1-1"}
    answers = {
        language: await client.post(
            "/api/v1/enterprises", headers={**staff, "Accept-Language": language}, json=body
        )
        for language in ("zh-CN", "en")
    }
    for answer in answers.values():
        assert_problem(answer, 422, "validation_failed")
    zh, en = answers["zh-CN"].json(), answers["en"].json()
    assert [(e["loc"], e["type"]) for e in zh["errors"]] == [
        (e["loc"], e["type"]) for e in en["errors"]
    ]
    said = {
        e["type"]: (e["msg"], english["msg"])
        for e, english in zip(zh["errors"], en["errors"], strict=True)
    }
    assert set(said) == {"invalid_uscc", "missing", "extra_forbidden", "value_error"}
    assert said["value_error"] == (
        "取值错误：须为 1900 年至 2200 年之间的ISO 8601 日期（YYYY-MM-DD）",
        "Value error, must be an ISO 8601 date (YYYY-MM-DD) between the years 1900 and 2200",
    )
    assert said["missing"] == ("必填字段", "Field required")
    assert said["extra_forbidden"] == ("不允许额外的字段", "Extra inputs are not permitted")
    assert (
        said["invalid_uscc"][0] == "统一社会信用代码（check_character）：校验码为 4，但该代码应为 3"
    )
    assert said["invalid_uscc"][1] == (
        "USCC check_character: the check character is 4, but the code needs 3"
    )
    assert zh["detail"].startswith("请求不符合接口定义：")
    assert en["detail"].startswith("The request does not match the schema: ")


def wan(yuan: str) -> str:
    amount = (Decimal(yuan) / 10_000).quantize(Decimal("0.01"), rounding=ROUND_UP)
    return format(amount.normalize(), "f")


async def test_readiness_gaps_speak_chinese_with_amounts_in_wan_yuan(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    staff = await headers_for(session, Role.MANAGER)
    enterprise = await make_enterprise(session, established_on=date(2015, 3, 1))
    for year in (2023, 2024, 2025):
        # R&D of 1.2 % of revenue where the band asks 5 %: a gap in money.
        await make_report(
            session,
            enterprise,
            year,
            rd_expense=Decimal("462000.00"),
            rd_expense_domestic=Decimal("462000.00"),
        )
    path = f"/api/v1/enterprises/{enterprise.id}/assessments/hte"
    zh = (await client.get(path, headers={**staff, "Accept-Language": "zh-CN"})).json()
    en = (await client.get(path, headers=staff)).json()
    assert [(g["code"], g["needed"]) for g in zh["gaps"]] == [
        (g["code"], g["needed"]) for g in en["gaps"]
    ]
    gaps = {g["code"]: g for g in zh["gaps"]}
    english = {g["code"]: g["message"] for g in en["gaps"]}
    rd = gaps["rd_ratio"]
    assert english["rd_ratio"].endswith(f"+{rd['needed']} yuan R&D")
    assert rd["message"].endswith(f"还需研发费用 {wan(rd['needed'])} 万元")
    assert rd["message"].startswith("研发费用占比 1.20 % → 需达到 5 %")
    for code, gap in gaps.items():
        assert re.search(r"[\u4e00-\u9fff]", gap["message"]), (code, gap["message"])


async def test_policy_matches_speak_chinese_with_amounts_in_wan_yuan(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    staff = await headers_for(session, Role.MANAGER)
    created = await client.post(
        "/api/v1/policies",
        headers=staff,
        json={
            "title": "小微企业研发补助",
            "issuer": "高新区科技局",
            "level": "district",
            "valid_from": "2020-01-01",
            "criteria": {"max_revenue": "50000000.00", "max_employees": 300},
        },
    )
    assert created.status_code == 201, created.text
    enterprise = await make_enterprise(session)
    await make_report(session, enterprise, 2025)
    path = f"/api/v1/enterprises/{enterprise.id}/policy-matches"
    zh = (await client.get(path, headers={**staff, "Accept-Language": "zh-CN"})).json()
    en = (await client.get(path, headers=staff)).json()
    (match,) = [m for m in zh["items"] if m["policy"]["id"] == created.json()["id"]]
    (english,) = [m for m in en["items"] if m["policy"]["id"] == created.json()["id"]]
    said = {r["criterion"]: r["message"] for r in match["reasons"]}
    assert said == {
        "max_employees": "2025 年报职工 86 人，未超过上限 300 人",
        "max_revenue": "2025 年报营业收入 3850 万元，未超过上限 5000 万元",
    }
    assert {r["criterion"]: r["message"] for r in english["reasons"]} == {
        "max_employees": "86 employees in the 2025 report, within the limit 300",
        "max_revenue": "38500000.00 yuan of revenue in the 2025 report, within the limit "
        "50000000.00",
    }


def test_a_sentence_keeps_its_values_through_storage() -> None:
    gap = Sentence(
        "{label} {actual} → at most {limit}: {over} over the limit",
        label=Sentence("revenue"),
        actual=Sentence("{amount} yuan", amount=Yuan(Decimal("210000000.00"))),
        limit=Sentence("{amount} yuan", amount=Yuan(Decimal("200000000.00"))),
        over=Sentence("{amount} yuan", amount=Yuan(Decimal("10000000.00"))),
    )
    stored = json.loads(json.dumps(gap.to_json()))
    again = Sentence.from_json(stored)
    assert again == gap
    assert again.render(ZH) == "营业收入 21000 万元 → 上限 20000 万元：超出 1000 万元"
    assert again.render(EN) == (
        "revenue 210000000.00 yuan → at most 200000000.00 yuan: 10000000.00 yuan over the limit"
    )


@pytest.mark.parametrize(
    ("yuan", "shown"),
    [("38500000", "3850"), ("12345.67", "1.24"), ("0.5", "0.01"), ("-12345.67", "-1.24")],
)
def test_wan_yuan_round_away_from_zero_to_a_hundred_yuan(yuan: str, shown: str) -> None:
    token = locale_var.set(ZH)
    try:
        assert f"{Yuan(Decimal(yuan))}" == shown
    finally:
        locale_var.reset(token)


def test_the_validation_messages_are_pydantics_own() -> None:
    """Each type's sentence is pydantic's English message (without its plural ending), so a
    pydantic upgrade that rewords one fails here rather than reading stale in Chinese."""
    templates: dict[str, str] = {e["type"]: e["message_template_python"] for e in list_all_errors()}
    for kind, message in MESSAGES.items():
        assert message == templates[kind].replace("{expected_plural}", "s"), kind


def test_every_problem_detail_goes_through_the_catalogue() -> None:
    """No error of the service is raised with English written into it: its detail is `_()`,
    a sentence's rendering or a name bound to one."""
    errors = {"AppError"}
    trees = {path: ast.parse(path.read_text()) for path in (PROJECT_ROOT / "app").rglob("*.py")}
    grown = True
    while grown:
        grown = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in errors:
                    bases = {getattr(b, "id", getattr(b, "attr", None)) for b in node.bases}
                    if bases & errors:
                        errors.add(node.name)
                        grown = True
    checked, english = 0, []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name == "problem_response" and len(node.args) >= 3:
                detail = node.args[2]
            elif name in errors:
                detail = node.args[0]
            else:
                continue
            checked += 1
            if isinstance(detail, ast.Constant | ast.JoinedStr | ast.BinOp):
                english.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert checked >= 130, checked
    # A validator's refusal reaches the client as a 422 field message: a Sentence too.
    validators = 0
    for path, tree in trees.items():
        if path.name != "schemas.py":
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            if getattr(node.exc.func, "id", None) != "ValueError" or not node.exc.args:
                continue
            validators += 1
            if isinstance(node.exc.args[0], ast.Constant | ast.JoinedStr | ast.BinOp):
                english.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert validators >= 8, validators
    assert english == []
