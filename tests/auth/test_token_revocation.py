"""Issue 13, finding 7: a token stops working as soon as the password, the role or the
status of its user changes (401 `token_revoked`), on a live server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.auth.conftest import USER_PASSWORD, AuthServer, auth_server
from tests.problems import assert_problem


@pytest.fixture(scope="module")
def live(server_url: str) -> Iterator[AuthServer]:
    with auth_server(server_url) as server:
        yield server


def me(live: AuthServer, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{live.url}/api/v1/me", headers=headers)


def patch_user(live: AuthServer, user_id: str, body: dict[str, object]) -> httpx.Response:
    return httpx.patch(f"{live.url}/api/v1/users/{user_id}", headers=live.admin, json=body)


class TestTokenRevocation:
    def test_a_password_reset_revokes_earlier_tokens(self, live: AuthServer) -> None:
        email, user_id = live.create_user()
        stolen = live.token(email, USER_PASSWORD)
        assert me(live, stolen).status_code == 200

        assert patch_user(live, user_id, {"password": "brand-new-password"}).status_code == 200

        assert_problem(me(live, stolen), 401, "token_revoked")
        assert me(live, live.token(email, "brand-new-password")).status_code == 200

    def test_a_token_from_before_a_deactivation_stays_dead_after_reactivation(
        self, live: AuthServer
    ) -> None:
        email, user_id = live.create_user()
        stolen = live.token(email, USER_PASSWORD)

        deleted = httpx.delete(f"{live.url}/api/v1/users/{user_id}", headers=live.admin)
        assert deleted.status_code == 204
        assert patch_user(live, user_id, {"is_active": True}).status_code == 200

        assert_problem(me(live, stolen), 401, "token_revoked")
        assert me(live, live.token(email, USER_PASSWORD)).status_code == 200

    def test_a_role_change_revokes_earlier_tokens(self, live: AuthServer) -> None:
        email, user_id = live.create_user("manager")
        token = live.token(email, USER_PASSWORD)

        changed = patch_user(live, user_id, {"role": "specialist"})
        assert changed.status_code == 200
        assert changed.json()["role"] == "specialist"

        assert_problem(me(live, token), 401, "token_revoked")
        assert me(live, live.token(email, USER_PASSWORD)).json()["role"] == "specialist"

    def test_a_rename_keeps_tokens(self, live: AuthServer) -> None:
        email, user_id = live.create_user()
        token = live.token(email, USER_PASSWORD)

        assert patch_user(live, user_id, {"display_name": "王芳"}).status_code == 200

        assert me(live, token).status_code == 200

    def test_enterprise_role_cannot_be_given_by_a_patch(self, live: AuthServer) -> None:
        email, user_id = live.create_user("manager")

        # Not among the roles the document offers for a change (an enterprise user's own move
        # away is the service's `enterprise_role_fixed`, tests/auth/test_documented_rules.py).
        assert_problem(patch_user(live, user_id, {"role": "enterprise"}), 422, "validation_failed")

        assert me(live, live.token(email, USER_PASSWORD)).json()["role"] == "manager"
