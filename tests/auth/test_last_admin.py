"""Issue 13, finding 18: the last active administrator can be neither deactivated nor
demoted (409 `last_admin`), even by two administrators removing each other at once; and
`python -m app.cli admin` restores an administrator on a running database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.config import PROJECT_ROOT
from tests.auth.conftest import USER_PASSWORD, AuthServer, auth_server
from tests.conftest import LIVE_ADMIN_EMAIL, LIVE_ADMIN_PASSWORD, TEST_SECRET
from tests.live import free_port
from tests.problems import assert_problem
from tests.test_cli import cli_env, serve_until_ready, stop


@pytest.fixture(scope="module")
def live(server_url: str) -> Iterator[AuthServer]:
    with auth_server(server_url) as server:
        yield server


def me(live: AuthServer, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{live.url}/api/v1/me", headers=headers)


def active_admins(live: AuthServer) -> list[str]:
    answer = httpx.get(
        f"{live.url}/api/v1/users",
        headers=live.admin,
        params={"role": "admin", "is_active": "true", "limit": 200},
    )
    assert answer.status_code == 200, answer.text
    return [user["email"] for user in answer.json()["items"]]


def cli_admin(live: AuthServer, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return cli(live, "admin", *args, stdin=stdin)


def cli(
    live: AuthServer, command: str, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": live.database_url, "SECRET_KEY": TEST_SECRET}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", command, *args],
        cwd=PROJECT_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


class TestLastAdmin:
    def test_the_only_admin_cannot_delete_itself(self, live: AuthServer) -> None:
        own_id = me(live, live.admin).json()["id"]

        answer = httpx.delete(f"{live.url}/api/v1/users/{own_id}", headers=live.admin)

        assert_problem(answer, 409, "last_admin")
        assert me(live, live.admin).status_code == 200
        assert active_admins(live) == [LIVE_ADMIN_EMAIL]

    @pytest.mark.parametrize("change", [{"is_active": False}, {"role": "manager"}])
    def test_the_only_admin_can_be_neither_deactivated_nor_demoted(
        self, live: AuthServer, change: dict[str, object]
    ) -> None:
        own_id = me(live, live.admin).json()["id"]

        answer = httpx.patch(f"{live.url}/api/v1/users/{own_id}", headers=live.admin, json=change)

        assert_problem(answer, 409, "last_admin")
        assert me(live, live.admin).json()["role"] == "admin"

    def test_one_of_two_admins_may_go(self, live: AuthServer) -> None:
        _, other_id = live.create_user("admin")

        answer = httpx.patch(
            f"{live.url}/api/v1/users/{other_id}", headers=live.admin, json={"role": "manager"}
        )

        assert answer.status_code == 200, answer.text
        assert active_admins(live) == [LIVE_ADMIN_EMAIL]

    def test_two_admins_removing_each_other_at_once_leave_one(self, live: AuthServer) -> None:
        own_id = me(live, live.admin).json()["id"]
        for _ in range(5):
            first_email, first_id = live.create_user("admin")
            second_email, second_id = live.create_user("admin")
            first = live.token(first_email, USER_PASSWORD)
            second = live.token(second_email, USER_PASSWORD)
            # The bootstrap administrator steps aside, so that these two are the only ones.
            stepped_aside = httpx.patch(
                f"{live.url}/api/v1/users/{own_id}", headers=first, json={"is_active": False}
            )
            assert stepped_aside.status_code == 200, stepped_aside.text

            answers = asyncio.run(
                at_once(
                    live.url,
                    (f"/api/v1/users/{second_id}", first),
                    (f"/api/v1/users/{first_id}", second),
                )
            )

            assert sorted(answers)[0] == 204 and sorted(answers)[1] in (401, 409), answers
            survivors = [
                headers for headers in (first, second) if me(live, headers).status_code == 200
            ]
            assert len(survivors) == 1
            # Back to the bootstrap administrator for the next round and the next tests.
            restored = httpx.patch(
                f"{live.url}/api/v1/users/{own_id}", headers=survivors[0], json={"is_active": True}
            )
            assert restored.status_code == 200, restored.text
            live.admin.update(live.token(LIVE_ADMIN_EMAIL, LIVE_ADMIN_PASSWORD))
            for user_id in (first_id, second_id):
                httpx.delete(f"{live.url}/api/v1/users/{user_id}", headers=live.admin)
            assert active_admins(live) == [LIVE_ADMIN_EMAIL]


async def at_once(base: str, *deletes: tuple[str, dict[str, str]]) -> list[int]:
    async with httpx.AsyncClient(base_url=base) as client:
        answers = await asyncio.gather(
            *(client.delete(path, headers=headers) for path, headers in deletes)
        )
    return [answer.status_code for answer in answers]


class TestAdminCommand:
    def test_it_creates_an_administrator_with_the_password_from_stdin(
        self, live: AuthServer
    ) -> None:
        result = cli_admin(
            live, "--email", "Rescue@Example.com", "--password-stdin", stdin="rescue-password-1\n"
        )

        assert result.returncode == 0, result.stderr
        assert "administrator rescue@example.com: created" in result.stdout
        token = live.token("rescue@example.com", "rescue-password-1")
        assert me(live, token).json()["role"] == "admin"

    def test_it_reactivates_a_deactivated_administrator_and_revokes_its_tokens(
        self, live: AuthServer
    ) -> None:
        email, user_id = live.create_user("admin")
        old = live.token(email, USER_PASSWORD)
        deleted = httpx.delete(f"{live.url}/api/v1/users/{user_id}", headers=live.admin)
        assert deleted.status_code == 204

        result = cli_admin(live, "--email", email)

        assert result.returncode == 0, result.stderr
        assert f"administrator {email}: reactivated" in result.stdout
        assert_problem(me(live, old), 401, "token_revoked")
        assert me(live, live.token(email, USER_PASSWORD)).json()["role"] == "admin"

    def test_a_new_account_without_a_password_gets_a_generated_one(self, live: AuthServer) -> None:
        result = cli_admin(live, "--email", "generated@example.com")

        assert result.returncode == 0, result.stderr
        password = result.stdout.split("generated password (shown once): ")[1].strip()
        assert me(live, live.token("generated@example.com", password)).status_code == 200

    def test_a_short_password_is_refused_with_one_line(self, live: AuthServer) -> None:
        result = cli_admin(live, "--email", "short@example.com", "--password-stdin", stdin="x\n")

        assert result.returncode == 2
        assert result.stderr.strip().startswith("invalid password")
        assert live.login("short@example.com", "x").status_code == 401

    def test_it_works_on_the_embedded_server_while_the_service_runs(self, tmp_path: Path) -> None:
        process, url = serve_until_ready(tmp_path, free_port())
        try:
            result = subprocess.run(
                [sys.executable, "-m", "app.cli", "admin", "--email", "embedded@example.com"],
                cwd=PROJECT_ROOT,
                env=cli_env(DATA_DIR=str(tmp_path), SEED_DEMO="false", LOG_LEVEL="WARNING"),
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr
            password = result.stdout.split("generated password (shown once): ")[1].strip()
            token = httpx.post(
                f"{url}/api/v1/auth/token",
                data={"username": "embedded@example.com", "password": password},
            )
            assert token.status_code == 200, token.text
        finally:
            stop(process)
        # The command left the server to the service that started it, and that one stopped it.
        assert not (tmp_path / "postgres" / "postmaster.pid").exists()


class TestResetPasswordCommand:
    def test_a_generated_password_replaces_the_old_and_revokes_its_tokens(
        self, live: AuthServer
    ) -> None:
        email, _ = live.create_user("manager")
        old = live.token(email, USER_PASSWORD)
        result = cli(live, "reset-password", email.upper())

        assert result.returncode == 0, result.stderr
        password = result.stdout.split("generated password (shown once): ")[1].strip()
        assert_problem(me(live, old), 401, "token_revoked")
        assert live.login(email, USER_PASSWORD).status_code == 401
        assert me(live, live.token(email, password)).json()["role"] == "manager"

    def test_a_password_from_stdin_and_the_refusals(self, live: AuthServer) -> None:
        email, _ = live.create_user("specialist")
        given = cli(live, "reset-password", email, "--password-stdin", stdin="chosen-password-7\n")
        assert given.returncode == 0, given.stderr
        assert "generated" not in given.stdout
        assert me(live, live.token(email, "chosen-password-7")).status_code == 200
        short = cli(live, "reset-password", email, "--password-stdin", stdin="x\n")
        assert short.returncode == 2 and short.stderr.startswith("invalid password")
        unknown = cli(live, "reset-password", "nobody@example.com")
        assert unknown.returncode == 2 and "no account" in unknown.stderr
