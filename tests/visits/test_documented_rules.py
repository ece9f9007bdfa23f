"""A specialist's phone follows the one documented pattern (issue 13: "0000000000000000000" was
schema-valid, a length only, but refused)."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest

from app.config import PROJECT_ROOT
from app.schemas import PHONE_PATTERN
from tests.problems import assert_problem

Live = tuple[str, dict[str, str]]


def test_the_document_states_the_pattern() -> None:
    document = json.loads((PROJECT_ROOT / "openapi" / "openapi.json").read_text())
    phone = document["components"]["schemas"]["SpecialistCreate"]["properties"]["phone"]
    assert json.dumps(PHONE_PATTERN) in json.dumps(phone)


@pytest.mark.parametrize("phone", ["0000000000000000000", "138 9990 1234"])
def test_a_phone_outside_the_pattern_is_refused(live_api: Live, phone: str) -> None:
    base_url, admin = live_api
    assert re.search(PHONE_PATTERN, phone) is None
    refused = httpx.post(
        f"{base_url}/api/v1/specialists",
        headers=admin,
        json={"user_id": str(uuid.uuid4()), "name": "李专员", "phone": phone},
    )
    problem = assert_problem(refused, 422, "validation_failed")
    assert problem["errors"][0]["loc"] == ["body", "phone"]


def test_a_phone_inside_the_pattern_reaches_the_user_check(live_api: Live) -> None:
    base_url, admin = live_api
    answered = httpx.post(
        f"{base_url}/api/v1/specialists",
        headers=admin,
        json={"user_id": str(uuid.uuid4()), "name": "李专员", "phone": "0990-6881234"},
    )
    assert_problem(answered, 422, "unknown_user")
