"""`python -m app.cli`, the command behind `make run`: settings, the embedded server's whole
life (first start with a generated admin, a second start on the same data, clean stops)."""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

from app.config import PROJECT_ROOT
from app.db import drop_database
from tests.conftest import fresh_database
from tests.live import free_port


def cli_env(**overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "SECRET_KEY", "BOOTSTRAP_ADMIN_EMAIL", "BOOTSTRAP_ADMIN_PASSWORD"}
    }
    env.update(overrides)
    return env


class TestSettings:
    def test_an_invalid_setting_stops_start_up_with_one_line_naming_it(self) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "migrate"],
            cwd=PROJECT_ROOT,
            env=cli_env(PORT="eighty"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("invalid setting PORT")

    def test_a_server_database_needs_a_secret(self) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "migrate"],
            cwd=PROJECT_ROOT,
            env=cli_env(DATABASE_URL="postgresql://postgres@127.0.0.1:5432/x"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        assert "SECRET_KEY" in result.stderr


def serve_until_ready(data_dir: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"],
        cwd=PROJECT_ROOT,
        env=cli_env(DATA_DIR=str(data_dir), PORT=str(port), SEED_DEMO="false", LOG_LEVEL="WARNING"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2).status_code == 200:
                return process, f"http://127.0.0.1:{port}"
        except httpx.TransportError:
            pass
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        time.sleep(0.5)
    process.kill()
    raise AssertionError("the service was not ready within 90 s")


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    return output


class TestEmbeddedServe:
    def test_first_start_creates_an_admin_then_stops_and_restarts_on_the_same_data(
        self, tmp_path: Path
    ) -> None:
        port = free_port()
        process, url = serve_until_ready(tmp_path, port)
        output = stop(process)
        assert "First administrator created: admin@example.com" in output
        password = output.split("Password (shown once): ")[1].split()[0]
        assert not (tmp_path / "postgres" / "postmaster.pid").exists(), "PostgreSQL left running"

        process, url = serve_until_ready(tmp_path, port)
        try:
            token = httpx.post(
                f"{url}/api/v1/auth/token",
                data={"username": "admin@example.com", "password": password},
            )
            assert token.status_code == 200, token.text
        finally:
            output = stop(process)
        assert "First administrator created" not in output
        assert not (tmp_path / "postgres" / "postmaster.pid").exists()


class TestRoundWindows:
    def test_custom_windows_are_parsed_and_bad_ones_refused(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from pydantic import ValidationError

        from app.config import Settings

        # Settings read the environment too: the caller's DATABASE_URL without SECRET_KEY
        # must not decide this test.
        for name in ("DATABASE_URL", "SECRET_KEY", "VISIT_ROUND_WINDOWS"):
            monkeypatch.delenv(name, raising=False)

        quarters = Settings.model_validate({"visit_round_windows": "1-3,4-6,7-9,10-12"})
        assert quarters.round_windows == ((1, 3), (4, 6), (7, 9), (10, 12))
        for bad in ("1-6,8-12,1-1", "jan-apr", "1-4,5-8"):
            with pytest.raises(ValidationError, match="visit_round_windows"):
                Settings.model_validate({"visit_round_windows": bad})


@pytest.fixture
def fresh_url(server_url: str) -> Iterator[str]:
    url = fresh_database(server_url, "serve")
    yield url
    asyncio.run(drop_database(url))


def serve_env(url: str, port: int, **extra: str) -> dict[str, str]:
    return cli_env(
        DATABASE_URL=url,
        SECRET_KEY="serve-test-secret-0123456789",
        PORT=str(port),
        SEED_DEMO="false",
        LOG_LEVEL="WARNING",
        **extra,
    )


def serve(url: str, port: int, stderr: IO[str], **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"],
        cwd=PROJECT_ROOT,
        env=serve_env(url, port, **extra),
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )


def lines_until(process: subprocess.Popen[str], marker: str, seconds: float) -> list[str]:
    """stdout's lines up to the one holding `marker`, read in a thread so a hang cannot."""
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if marker in line:
            return seen
    process.kill()
    raise AssertionError(f"no {marker!r} within {seconds} s: {''.join(seen)}")


class TestServeBinding:
    def test_a_taken_port_is_one_line_on_stderr_and_a_non_zero_exit(self, fresh_url: str) -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            result = subprocess.run(
                [sys.executable, "-m", "app.cli", "serve"],
                cwd=PROJECT_ROOT,
                env=serve_env(fresh_url, port),
                capture_output=True,
                text=True,
                timeout=60,
            )
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            f"cannot listen on 127.0.0.1:{port}: Address already in use"
        ]
        assert "Serving on" not in result.stdout
        assert "Traceback" not in result.stderr

    def test_the_banner_comes_once_the_port_answers_on_loopback_only(
        self, fresh_url: str, tmp_path: Path
    ) -> None:
        port = free_port()
        with (tmp_path / "stderr").open("w+") as stderr:
            process = serve(fresh_url, port, stderr)
            try:
                seen = lines_until(process, "Serving on", 120)
                # Announced means answering: migrated, bound and listening, this very moment.
                ready = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=5)
                assert ready.status_code == 200, ready.text
                assert "server" not in ready.headers
                assert seen[-1].strip() == f"Serving on http://127.0.0.1:{port}"
                # HOST defaults to loopback: 127.0.0.2 is this machine too, but not 127.0.0.1.
                with pytest.raises(httpx.ConnectError):
                    httpx.get(f"http://127.0.0.2:{port}/health/live", timeout=5)
            finally:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
            assert process.returncode == 0
            stderr.seek(0)
            assert "Traceback" not in stderr.read()


def worker_processes(parent: int) -> list[int]:
    """The processes `serve` started to serve requests (not multiprocessing's helpers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


class TestServeWorkers:
    def test_web_concurrency_serves_from_that_many_processes_and_stops_them(
        self, fresh_url: str, tmp_path: Path
    ) -> None:
        port = free_port()
        with (tmp_path / "stderr").open("w+") as stderr:
            process = serve(fresh_url, port, stderr, WEB_CONCURRENCY="2")
            try:
                lines_until(process, "Serving on", 180)
                workers = worker_processes(process.pid)
                assert len(workers) == 2, workers
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                    answers = [client.get("/health/ready").status_code for _ in range(20)]
                assert answers == [200] * 20
            finally:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
            assert process.returncode == 0
            assert worker_processes(process.pid) == []
            assert all(not Path(f"/proc/{pid}").exists() for pid in workers)
            stderr.seek(0)
            assert "Traceback" not in stderr.read()
