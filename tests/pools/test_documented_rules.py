"""A rule across a pool request's fields answers `inconsistent_fields` (issue 13, the fuzz's
findings): the document cannot state "exactly one of", so it is no `validation_failed`."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.problems import assert_problem

Live = tuple[str, dict[str, str]]


@pytest.mark.parametrize(
    "ids",
    [
        {"enterprise_id": str(uuid.uuid4()), "project_id": str(uuid.uuid4())},  # the fuzz's case
        {},
    ],
)
def test_a_member_is_one_enterprise_or_one_project(live_api: Live, ids: dict[str, str]) -> None:
    base_url, admin = live_api
    refused = httpx.post(
        f"{base_url}/api/v1/pools/hte/members",
        headers=admin,
        json={"tier": "selected", "reason": "2026年第一批优选企业", **ids},
    )
    assert_problem(refused, 422, "inconsistent_fields")


@pytest.mark.parametrize(
    "move",
    [
        # The fuzz's case: a tier change and an exit at once.
        {"to_tier": "mature", "exit_outcome": "certified", "certificate_no": "GR202665000123"},
        {},
        {"exit_outcome": "withdrawn", "certificate_no": "GR202665000123"},
        {"to_tier": "mature", "issued_on": "2026-11-20"},
    ],
)
def test_a_move_is_a_tier_change_or_an_exit_with_its_certificate(
    live_api: Live, move: dict[str, Any]
) -> None:
    base_url, admin = live_api
    refused = httpx.post(
        f"{base_url}/api/v1/pools/sme/members/{uuid.uuid4()}/transitions",
        headers=admin,
        json={"reason": "研发投入达标", **move},
    )
    assert_problem(refused, 422, "inconsistent_fields")


def test_a_single_move_reaches_the_member(live_api: Live) -> None:
    base_url, admin = live_api
    missing = httpx.post(
        f"{base_url}/api/v1/pools/sme/members/{uuid.uuid4()}/transitions",
        headers=admin,
        json={"reason": "研发投入达标", "exit_outcome": "certified", "certificate_no": "GR1"},
    )
    assert missing.status_code == 404, missing.text
