"""Enum labels: every enum of the committed OpenAPI document has zh-CN and en labels, and
GET /api/v1/meta/enums serves them. Other packages add enums all the time: this test is
what makes them add the labels too (in app/meta/labels.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from app.config import PROJECT_ROOT
from app.meta.labels import LABELS, LOCALES
from app.meta.service import enums_of, unlabelled
from tests.factories import headers_for
from tests.problems import assert_problem

NAMED = re.compile(r"/components/schemas/[^/]+")
DOCUMENT = PROJECT_ROOT / "openapi" / "openapi.json"


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(Path(DOCUMENT).read_text(encoding="utf-8"))
    return document


def _inline_enums(node: Any, path: str) -> list[str]:
    """Paths of enums written inline (not a named schema), which no label can be keyed by."""
    found = []
    if isinstance(node, dict):
        if "enum" in node and not NAMED.fullmatch(path):
            found.append(path)
        for key, value in node.items():
            found += _inline_enums(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _inline_enums(value, f"{path}/{index}")
    return found


class TestEveryEnumHasLabels:
    def test_the_document_has_enums_to_check(self) -> None:
        enums = enums_of(_document())
        assert {"Pool", "Tier", "AchievementKind", "PolicyLevel"} <= set(enums)

    def test_every_enum_value_of_the_openapi_document_is_labelled(self) -> None:
        missing = unlabelled(_document())
        assert missing == [], (
            f"enum values without zh-CN/en labels: {missing}; add them to app/meta/labels.py"
        )

    def test_every_enum_is_a_named_schema(self) -> None:
        inline = _inline_enums(_document(), "")
        assert inline == [], f"inline enums (use a named StrEnum so labels can key it): {inline}"

    def test_labels_are_not_empty_and_not_stale(self) -> None:
        enums = enums_of(_document())
        for name, values in LABELS.items():
            assert name in enums, f"labels for {name}, which the API no longer has"
            assert set(values) == set(enums[name]), f"{name}: stale labels"
            for value, labels in values.items():
                assert len(labels) == len(LOCALES) and all(label.strip() for label in labels), (
                    f"{name}.{value}"
                )


class TestListEnums:
    async def test_serves_every_enum_with_both_labels(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.INTEGRATION)
        response = await client.get("/api/v1/meta/enums", headers=headers, params={"limit": 200})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["next_cursor"] is None
        served = {e["name"]: e["values"] for e in body["items"]}
        assert served.keys() == enums_of(_document()).keys()
        assert served["Tier"][1] == {
            "value": "cultivating",
            "labels": {"zh-CN": "培育一批", "en": "Cultivating"},
        }
        assert [v["value"] for v in served["AchievementKind"]][:2] == [
            "hte_certified",
            "sme_registered",
        ]

    async def test_pages_by_name_and_filters(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = await headers_for(session, Role.SPECIALIST)
        first = (
            await client.get("/api/v1/meta/enums", headers=headers, params={"limit": 2})
        ).json()
        names = sorted(enums_of(_document()))
        assert [e["name"] for e in first["items"]] == names[:2]
        second = (
            await client.get(
                "/api/v1/meta/enums",
                headers=headers,
                params={"limit": 2, "cursor": first["next_cursor"]},
            )
        ).json()
        assert [e["name"] for e in second["items"]] == names[2:4]
        pool = (
            await client.get("/api/v1/meta/enums", headers=headers, params={"name": "Pool"})
        ).json()
        assert [v["labels"]["zh-CN"] for v in pool["items"][0]["values"]] == [
            "高新技术企业培育库",
            "科技型中小企业培育库",
            "科技项目培育库",
        ]

    async def test_needs_a_credential(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get("/api/v1/meta/enums"), 401, "not_authenticated")
