"""What the crash tests are made of: the service as its own process (`python -m app.cli
serve`, killed or stopped like a real replica), and a TCP proxy on loopback in front of
PostgreSQL that a test cuts and restores (an outage that stops no one else's database)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

import httpx

from app.config import PROJECT_ROOT
from tests.conftest import LIVE_ADMIN_EMAIL, LIVE_ADMIN_PASSWORD, TEST_SECRET
from tests.live import free_port

START_SECONDS = 90


class ServerProcess:
    """One replica in a subprocess on a free loopback port, its output kept in a file."""

    def __init__(self, database_url: str, log: Path, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("DATABASE_", "IMPORT_", "BOOTSTRAP_", "SECRET_"))
        }
        env.update(
            DATABASE_URL=database_url,
            SECRET_KEY=TEST_SECRET,
            PORT=str(self.port),
            HOST="127.0.0.1",
            SEED_DEMO="false",
            ALERT_SWEEP_ENABLED="false",
            BOOTSTRAP_ADMIN_EMAIL=LIVE_ADMIN_EMAIL,
            BOOTSTRAP_ADMIN_PASSWORD=LIVE_ADMIN_PASSWORD,
            LOG_LEVEL="INFO",
        )
        env.update(settings)
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:
        self.start()
        self.wait_ready()
        return self

    def start(self) -> None:
        """Launch the process without waiting for it (replicas started side by side)."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve"],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited at start-up:\n{self.output()}")
            time.sleep(0.2)
        self.kill()
        raise AssertionError(f"the server was not ready within {START_SECONDS} s")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.kill()  # a test that failed half-way leaves no process behind

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def token(self) -> dict[str, str]:
        response = httpx.post(
            f"{self.url}/api/v1/auth/token",
            data={"username": LIVE_ADMIN_EMAIL, "password": LIVE_ADMIN_PASSWORD},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def kill(self) -> None:
        """kill -9: no handler runs, nothing is handed back."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def terminate(self) -> int:
        """SIGTERM, as an orchestrator stops a replica; the exit status."""
        self.ask_to_stop()
        return self.wait_stopped()

    def ask_to_stop(self) -> None:
        """SIGTERM without waiting (replicas stopped side by side)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self) -> int:
        assert self.process is not None
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("the server did not stop within 60 s of SIGTERM") from None


class DatabaseProxy:
    """127.0.0.1:port → PostgreSQL, run by a thread of its own. `cut()` resets every
    connection and refuses new ones, as a database that went away; `restore()` accepts
    again. Only this proxy's connections are harmed. A target host that is a directory is a
    socket directory (the embedded server listens on a socket only)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.socket = (
            f"{target_host}/.s.PGSQL.{target_port}" if target_host.startswith("/") else None
        )
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.WriteTransport] = set()

    def __enter__(self) -> DatabaseProxy:
        self._thread.start()
        self.restore()
        return self

    def __exit__(self, *_: object) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def cut(self) -> None:
        asyncio.run_coroutine_threadsafe(self._cut(), self._loop).result(timeout=10)

    def restore(self) -> None:
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for transport in list(self._transports):
            transport.abort()  # a reset, both ways: PostgreSQL rolls back what was open
        self._transports.clear()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await (
                asyncio.open_unix_connection(self.socket)
                if self.socket
                else asyncio.open_connection(*self.target)
            )
        except OSError:
            writer.transport.abort()
            return
        pair = (writer.transport, upstream_writer.transport)
        self._transports.update(pair)

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while chunk := await source.read(65536):
                    sink.write(chunk)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.transport.abort()

        await asyncio.gather(copy(reader, upstream_writer), copy(upstream_reader, writer))
        self._transports.difference_update(pair)
