"""What the document states about user accounts is what the service checks (issue 13, the
fuzz's findings): a bool is a JSON boolean, what cannot be cleared is never `null`, only the
roles that log in are offered, and the rule between role and enterprise is `inconsistent_fields`."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from app.config import PROJECT_ROOT
from tests.problems import assert_problem

Live = tuple[str, dict[str, str]]


def _properties(name: str) -> dict[str, Any]:
    document = json.loads((PROJECT_ROOT / "openapi" / "openapi.json").read_text())
    properties: dict[str, Any] = document["components"]["schemas"][name]["properties"]
    return properties


def _enum(schema: str, field: str) -> list[str]:
    """The values the document lists for a field (a named enum, referenced)."""
    document = json.loads((PROJECT_ROOT / "openapi" / "openapi.json").read_text())
    reference = json.dumps(_properties(schema)[field])
    name = reference.split("#/components/schemas/")[1].split('"')[0]
    values: list[str] = document["components"]["schemas"][name]["enum"]
    return values


def _new_user(live_api: Live, **fields: Any) -> httpx.Response:
    base_url, admin = live_api
    return httpx.post(
        f"{base_url}/api/v1/users",
        headers=admin,
        json={
            "email": f"user-{uuid.uuid4().hex[:12]}@example.com",
            "password": "correct-horse-battery",
            "role": "specialist",
            **fields,
        },
    )


@pytest.fixture
def user(live_api: Live) -> dict[str, Any]:
    created = _new_user(live_api, display_name="王芳")
    assert created.status_code == 201, created.text
    return {"url": f"{live_api[0]}/api/v1/users/{created.json()['id']}", **created.json()}


class TestUserCreate:
    @pytest.mark.parametrize(
        ("role", "enterprise"), [("specialist", True), ("manager", True), ("enterprise", False)]
    )
    def test_the_role_and_enterprise_rule_is_inconsistent_fields(
        self, live_api: Live, live_enterprise: str, role: str, enterprise: bool
    ) -> None:
        # Was 422 validation_failed: a schema-valid request refused by an unstated rule.
        fields = {"enterprise_id": live_enterprise} if enterprise else {}
        refused = _new_user(live_api, role=role, **fields)
        assert_problem(refused, 422, "inconsistent_fields")

    def test_an_enterprise_user_with_its_enterprise_is_created(
        self, live_api: Live, live_enterprise: str
    ) -> None:
        created = _new_user(live_api, role="enterprise", enterprise_id=live_enterprise)
        assert created.status_code == 201, created.text

    def test_the_document_offers_only_the_roles_that_log_in(self, live_api: Live) -> None:
        for schema in ("UserCreate", "UserUpdate"):
            assert "integration" not in _enum(schema, "role")
        refused = _new_user(live_api, role="integration")
        assert_problem(refused, 422, "validation_failed")


class TestEmail:
    def test_an_address_the_document_allows_is_accepted_and_stored_lower_case(
        self, live_api: Live
    ) -> None:
        # Was 422 validation_failed: `format: email` allows a reserved domain such as `.test`,
        # which the e-mail library refused.
        local = f"Fuzz}}9*{uuid.uuid4().hex[:8]}"
        created = _new_user(live_api, email=f"{local}@Crbb.test")
        assert created.status_code == 201, created.text
        assert created.json()["email"] == f"{local}@crbb.test".lower()

    @pytest.mark.parametrize(
        "email",
        [
            "no-at-sign",
            "a@b",
            "a b@example.com",
            "@example.com",
            ".=@dr.tk",  # a leading dot: not an address, though the first pattern took it
            "a..b@example.com",
            f"{'x' * 65}@example.com",
        ],
    )
    def test_what_the_pattern_refuses_is_refused(self, live_api: Live, email: str) -> None:
        assert_problem(_new_user(live_api, email=email), 422, "validation_failed")
        assert "pattern" in _properties("UserCreate")["email"]


class TestUserUpdate:
    def _patch(self, live_api: Live, user: dict[str, Any], **fields: Any) -> httpx.Response:
        _, admin = live_api
        current = httpx.get(user["url"], headers=admin)
        return httpx.patch(
            user["url"], headers={**admin, "If-Match": current.headers["etag"]}, json=fields
        )

    @pytest.mark.parametrize("value", [0, 1, "false"])
    def test_is_active_is_a_json_boolean(
        self, live_api: Live, user: dict[str, Any], value: Any
    ) -> None:
        # `0` was read as false and deactivated the account.
        refused = self._patch(live_api, user, is_active=value)
        problem = assert_problem(refused, 422, "validation_failed")
        assert problem["errors"][0]["loc"] == ["body", "is_active"]
        assert httpx.get(user["url"], headers=live_api[1]).json()["is_active"] is True

    @pytest.mark.parametrize("field", ["is_active", "role", "password"])
    def test_what_cannot_be_cleared_is_never_null_and_the_document_says_so(
        self, live_api: Live, user: dict[str, Any], field: str
    ) -> None:
        refused = self._patch(live_api, user, **{field: None})
        problem = assert_problem(refused, 422, "validation_failed")
        assert problem["errors"][0]["loc"] == ["body", field]
        assert "null" not in json.dumps(_properties("UserUpdate")[field])

    def test_no_account_moves_to_the_enterprise_role_and_the_document_says_so(
        self, live_api: Live, user: dict[str, Any]
    ) -> None:
        # Was schema-valid and refused with `enterprise_role_fixed`.
        assert _enum("UserUpdate", "role") == ["admin", "manager", "specialist"]
        refused = self._patch(live_api, user, role="enterprise")
        problem = assert_problem(refused, 422, "validation_failed")
        assert problem["errors"][0]["loc"] == ["body", "role"]
        moved = self._patch(live_api, user, role="manager")
        assert moved.status_code == 200, moved.text

    def test_an_enterprise_user_keeps_its_role(self, live_api: Live, live_enterprise: str) -> None:
        created = _new_user(live_api, role="enterprise", enterprise_id=live_enterprise)
        account = {"url": f"{live_api[0]}/api/v1/users/{created.json()['id']}"}
        # A rule on the account as stored, beyond the schema.
        refused = self._patch(live_api, account, role="manager")
        assert_problem(refused, 422, "enterprise_role_fixed")

    def test_the_display_name_is_still_cleared_by_null(
        self, live_api: Live, user: dict[str, Any]
    ) -> None:
        cleared = self._patch(live_api, user, display_name=None, is_active=False)
        assert cleared.status_code == 200, cleared.text
        assert (cleared.json()["display_name"], cleared.json()["is_active"]) == (None, False)
