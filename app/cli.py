"""Command line: `python -m app.cli serve | migrate | demo | openapi | import | admin |
reset-password`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from pydantic import ValidationError
from uvicorn.supervisors import Multiprocess

import app.subscriptions  # noqa: F401 - the commands run services that publish domain events
from app.config import PROJECT_ROOT, Settings

if TYPE_CHECKING:
    from fastapi import FastAPI


def load_settings() -> Settings:
    """Settings, or one line naming the invalid one and exit status 2."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]).upper() or "settings"
        print(f"invalid setting {name}: {first['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The database URL to use: DATABASE_URL, or the embedded server (started and stopped here)."""
    if settings.database_url is not None:
        yield settings.database_url
        return
    from app.db import APP_DATABASE, create_database, with_database
    from app.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(settings.data_dir)
    base_url = server.start()
    try:
        url = with_database(base_url, APP_DATABASE)
        asyncio.run(create_database(url))
        yield url
    finally:
        server.stop()


def cmd_migrate(settings: Settings) -> None:
    from app.migrations import upgrade

    with database(settings) as url:
        upgrade(url)


def cmd_serve(settings: Settings) -> None:
    from app.main import create_app
    from app.migrations import upgrade
    from app.ops.logging import configure_logging

    configure_logging(settings.log_level)
    # Bound before anything starts, so that a taken port is one line, not a database started,
    # migrated and stopped for nothing, then a traceback.
    listener = bind(settings.host, settings.port)
    with database(settings) as url:
        upgrade(url)
        if settings.web_concurrency > 1:
            _serve_workers(settings, url, listener)
            return
        app = create_app(settings, database_url=url)
        server = AnnouncingServer(
            server_config(app, host=settings.host, port=settings.port), banner(settings)
        )
        # uvicorn drains requests on SIGTERM, then re-raises the signal; turning it into
        # SystemExit lets the `with` above stop the embedded PostgreSQL cleanly.
        signal.signal(signal.SIGTERM, _exit_quietly)
        server.run(sockets=[listener])


def _serve_workers(settings: Settings, url: str, listener: socket.socket) -> None:
    """WEB_CONCURRENCY worker processes sharing the one listening socket. The workers read
    their settings from the environment like this process did, so the database this process
    chose (the embedded one included) and its signing secret are handed on there."""
    os.environ["DATABASE_URL"] = url
    os.environ["SECRET_KEY"] = settings.signing_key()
    config = server_config(
        "app.cli:worker_app", host=settings.host, port=settings.port, factory=True
    )
    config.workers = settings.web_concurrency
    AnnouncingSupervisor(config, [listener], banner(settings)).run()


def worker_app() -> FastAPI:
    """The application of one worker process (WEB_CONCURRENCY > 1)."""
    from app.main import create_app
    from app.ops.logging import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level)
    return create_app(settings)


def server_config(
    app: FastAPI | str, *, host: str, port: int, factory: bool = False
) -> uvicorn.Config:
    """How the service is served: by `serve`, its workers, and the tests' live server."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        factory=factory,
        log_config=None,
        access_log=False,
        # Which server and version answer is of use to an attacker only.
        server_header=False,
        timeout_graceful_shutdown=20,
        # uvicorn would trust X-Forwarded-For from 127.0.0.1 (FORWARDED_ALLOW_IPS); the app
        # reads it itself, from TRUSTED_PROXIES only (app.auth.dependencies.client_address).
        proxy_headers=False,
    )


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, or one line on stderr and exit status 1."""
    listener: socket.socket | None = None
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        listener = socket.socket(family, kind, proto)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError as exc:
        if listener is not None:
            listener.close()
        print(f"cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        raise SystemExit(1) from None
    return listener


def banner(settings: Settings) -> str:
    everywhere = settings.host in {"0.0.0.0", "::", ""}  # noqa: S104 - naming it, not binding
    host = "127.0.0.1" if everywhere else settings.host
    where = f"http://{f'[{host}]' if ':' in host else host}:{settings.port}"
    return (
        f"\n  Serving on {where}"
        + (f" (listening on every interface, HOST={settings.host})" if everywhere else "")
        + f"\n  API docs: {where}/docs (ReDoc: {where}/redoc)\n"
        f"  Log in: POST {where}/api/v1/auth/token (or 'Authorize' in the docs)\n"
        + (
            "  Demo users: manager@demo.example.com / specialist@demo.example.com,"
            " password demo-password-2026\n"
            if settings.should_seed_demo
            else ""
        )
    )


class AnnouncingServer(uvicorn.Server):
    """Prints the banner once the application has started (migrated, first administrator and
    demo in place) and the socket is listening: what it announces then works."""

    def __init__(self, config: uvicorn.Config, banner: str) -> None:
        super().__init__(config)
        self.banner = banner

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print(self.banner, flush=True)


class AnnouncingSupervisor(Multiprocess):
    """uvicorn's worker supervisor, printing the banner once every worker has started."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket], banner: str) -> None:
        super().__init__(config, sockets)
        self.banner = banner

    def init_processes(self) -> None:
        super().init_processes()
        # Before the supervision loop starts pinging, so the two never share a worker's pipe.
        timeout = self.config.timeout_worker_healthcheck * 12
        if all(process.wait_until_ready(timeout, self.should_exit) for process in self.processes):
            print(self.banner, flush=True)


def _exit_quietly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def cmd_demo(settings: Settings) -> None:
    from app import demo
    from app.db import create_engine, create_session_factory
    from app.migrations import upgrade

    with database(settings) as url:
        upgrade(url)

        async def run() -> None:
            engine = create_engine(url, settings)
            try:
                await demo.seed(create_session_factory(engine), settings)
            finally:
                await engine.dispose()

        asyncio.run(run())
        print("demo data loaded")


class ProgressBar:
    """One line on stderr, redrawn in place: `checked  6000/10000 [############........]`."""

    WIDTH = 30

    def __init__(self) -> None:
        self.phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self.phase and self.phase:
            print(file=sys.stderr)
        self.phase = phase
        filled = self.WIDTH * done // total if total else self.WIDTH
        bar = "#" * filled + "." * (self.WIDTH - filled)
        print(f"\r{phase:8} {done:>7}/{total:<7} [{bar}]", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.phase:
            print(file=sys.stderr)


def cmd_import(settings: Settings, kind: str, path: Path, mode: str, fmt: str | None) -> int:
    """The same job as `POST /api/v1/imports/...`, run here with a progress bar; exit 0 when
    it succeeded, 1 when it failed (nothing stored)."""
    from app.db import create_engine, create_session_factory
    from app.imports import service
    from app.imports.enums import ImportFormat, ImportKind, ImportMode
    from app.imports.parsing import format_of
    from app.migrations import upgrade

    payload = path.read_bytes()
    chosen = ImportFormat(fmt) if fmt else format_of(path.name, payload)
    with database(settings) as url:
        upgrade(url)

        async def run() -> int:
            engine = create_engine(url, settings)
            bar = ProgressBar()
            try:
                factory = create_session_factory(engine)
                async with factory() as session:
                    job = await service.create_job(
                        session,
                        settings,
                        None,
                        kind=ImportKind(kind.replace("-", "_")),
                        mode=ImportMode(mode),
                        fmt=chosen,
                        payload=payload,
                    )
                await service.run_to_end(factory, settings, job.id, bar)
                bar.close()
                async with factory() as session:
                    done = await service.get_job(session, job.id)
                    rejected = await service.rejected_rows(session, job.id)
            finally:
                await engine.dispose()
            # Rows, not errors: a row with three bad fields is one row rejected.
            print(
                f"job {done.id}: {done.status.value}, {done.stored} of {done.total} rows stored,"
                f" {rejected} rejected ({done.error_count} errors)"
            )
            for error in done.errors[:50]:
                print(f"  line {error.line}: {error.field or '-'}: {error.message}")
            if done.failure:
                print(f"  {done.failure}")
            return 0 if done.status.value == "succeeded" else 1

        return asyncio.run(run())


def cmd_admin(settings: Settings, email: str, password: str | None) -> int:
    """Create or reactivate an administrator on the configured database (the service may be
    running): the way back when nobody can administer the zone. Exit 0, or 2 with one line."""
    from app.auth import service
    from app.db import create_engine, create_session_factory
    from app.errors import AppError
    from app.migrations import upgrade

    with database(settings) as url:
        upgrade(url)

        async def run() -> tuple[str, str | None]:
            engine = create_engine(url, settings)
            try:
                async with create_session_factory(engine)() as session:
                    return await service.restore_admin(session, settings, email, password)
            finally:
                await engine.dispose()

        try:
            done, generated = asyncio.run(run())
        except ValidationError as exc:
            first = exc.errors()[0]
            print(f"invalid {first['loc'][0]}: {first['msg']}", file=sys.stderr)
            return 2
        except AppError as exc:
            print(exc.detail, file=sys.stderr)
            return 2
    print(f"administrator {email.strip().lower()}: {done}")
    if generated is not None:
        print(f"generated password (shown once): {generated}")
    return 0


def cmd_reset_password(settings: Settings, email: str, password: str | None) -> int:
    """Set a new password for an account (any role) on the configured database, revoking its
    tokens: given on stdin, or generated and shown once. Exit 0, or 2 with one line."""
    from app.auth import service
    from app.db import create_engine, create_session_factory
    from app.errors import AppError
    from app.migrations import upgrade

    with database(settings) as url:
        upgrade(url)

        async def run() -> str | None:
            engine = create_engine(url, settings)
            try:
                async with create_session_factory(engine)() as session:
                    return await service.reset_password(session, settings, email, password)
            finally:
                await engine.dispose()

        try:
            generated = asyncio.run(run())
        except ValidationError as exc:
            print(f"invalid password: {exc.errors()[0]['msg']}", file=sys.stderr)
            return 2
        except AppError as exc:
            print(exc.detail, file=sys.stderr)
            return 2
    print(f"password of {email.strip().lower()} reset; its earlier tokens no longer work")
    if generated is not None:
        print(f"generated password (shown once): {generated}")
    return 0


def cmd_openapi(settings: Settings, output: Path) -> None:
    from app.main import create_app

    app = create_app(settings, database_url="postgresql+asyncpg://unused@localhost/unused")
    output.write_text(json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {output}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="migrate, then serve on HOST:PORT")
    commands.add_parser("migrate", help="alembic upgrade head")
    commands.add_parser("demo", help="load the demo zone")
    openapi = commands.add_parser("openapi", help="write the OpenAPI document")
    openapi.add_argument("--output", type=Path, default=PROJECT_ROOT / "openapi" / "openapi.json")
    imports = commands.add_parser("import", help="bulk-load a CSV or NDJSON file, with progress")
    imports.add_argument("kind", choices=["enterprises", "annual-reports"])
    imports.add_argument("file", type=Path)
    imports.add_argument(
        "--mode", choices=["all_or_nothing", "valid_only"], default="all_or_nothing"
    )
    imports.add_argument("--format", choices=["csv", "ndjson", "xlsx"], default=None, dest="fmt")
    admin = commands.add_parser(
        "admin", help="create or reactivate an administrator (revokes the account's tokens)"
    )
    admin.add_argument("--email", required=True)
    admin.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin (else: kept, or generated for a"
        " new account)",
    )
    reset = commands.add_parser(
        "reset-password", help="set a new password for an account (revokes its tokens)"
    )
    reset.add_argument("email")
    reset.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin (else: one is generated)",
    )
    args = parser.parse_args(argv)

    if args.command == "openapi":
        # The document does not depend on the environment, so none is read for it.
        cmd_openapi(Settings(database_url=None, secret_key="openapi-only-" + "x" * 16), args.output)
        return
    settings = load_settings()
    if args.command == "serve":
        cmd_serve(settings)
    elif args.command == "migrate":
        cmd_migrate(settings)
    elif args.command == "demo":
        cmd_demo(settings)
    elif args.command == "admin":
        password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else None
        raise SystemExit(cmd_admin(settings, args.email, password))
    elif args.command == "reset-password":
        password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else None
        raise SystemExit(cmd_reset_password(settings, args.email, password))
    elif args.command == "import":
        raise SystemExit(cmd_import(settings, args.kind, args.file, args.mode, args.fmt))


if __name__ == "__main__":
    main()
