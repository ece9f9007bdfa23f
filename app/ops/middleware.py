"""Request-level guards and instrumentation, as pure ASGI middleware."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterable

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import ProblemCode, problem_response, render
from app.http import RATE_LIMIT_KEY
from app.i18n import _, locale_var, negotiate
from app.ops.context import request_id_var

access_log = logging.getLogger("app.access")

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Sent on every answer: browsers must not guess a type other than the one declared (a JSON
# answer rendered as HTML), nor send our URLs, which carry ids, to other sites.
ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))
# Every /api/v1 answer may carry personal data or a credential (contacts, users, tokens, and
# the problems that name them), so none may be stored by a browser or a shared cache.
NO_STORE_PREFIX = "/api/v1/"
# A 204 has no content, so nothing may describe one (RFC 9110 §8.6, §15.3.5).
CONTENT_HEADERS = frozenset({b"content-type", b"content-length", b"content-encoding"})
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests by route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency by route template",
            ["method", "route"],
            registry=self.registry,
        )


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def answer_headers(
    path: str, status: int, headers: Iterable[tuple[bytes, bytes]], request_id: str
) -> list[tuple[bytes, bytes]]:
    """The response's headers as sent: the request id, the headers every answer carries, none
    that describe content on a 204."""
    dropped = {b"x-request-id"} | (CONTENT_HEADERS if status == 204 else frozenset())
    kept = [(name, value) for name, value in headers if name.lower() not in dropped]
    present = {name.lower() for name, _ in kept}
    kept.extend((name, value) for name, value in ALWAYS if name not in present)
    if path.startswith(NO_STORE_PREFIX) and b"cache-control" not in present:
        kept.append((b"cache-control", b"no-store"))
    kept.append((b"x-request-id", request_id.encode()))
    return kept


def with_language(
    status: int, headers: list[tuple[bytes, bytes]], locale: str
) -> list[tuple[bytes, bytes]]:
    """The sentences' language, and that the answer varies with Accept-Language (a cache keeps
    one copy per language), beside whatever else it already varied with."""
    if status == 204:
        return headers
    others = [(name, value) for name, value in headers if name.lower() != b"vary"]
    varies = [value for name, value in headers if name.lower() == b"vary"]
    vary = b", ".join([*varies, b"Accept-Language"])
    return [*others, (b"content-language", locale.encode()), (b"vary", vary)]


class RequestContextMiddleware:
    """X-Request-ID in and out, the headers every answer carries, one access-log line and the
    metrics for every request, with the status the client received."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = next((v for k, v in scope["headers"] if k.lower() == b"x-request-id"), b"")
        text = offered.decode("latin-1")
        request_id = text if REQUEST_ID_PATTERN.match(text) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        asked = next((v for k, v in scope["headers"] if k.lower() == b"accept-language"), b"")
        locale = negotiate(asked.decode("latin-1"))
        locale_token = locale_var.set(locale)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = with_language(
                    status,
                    answer_headers(scope["path"], status, message.get("headers", []), request_id)
                    + scope.get(RATE_LIMIT_KEY, []),
                    locale,
                )
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            access_log.info(
                "%s %s %s",
                method,
                scope["path"],
                status,
                extra={
                    "method": method,
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )
            request_id_var.reset(token)
            locale_var.reset(locale_token)


class RequestGuardMiddleware:
    """Refuses what must never reach a handler: bodies over the limit, NUL characters in the URL."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, larger_limits: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # Path prefixes allowed a larger body than the default (file uploads).
        self.larger_limits = dict(larger_limits or {})

    def _limit(self, path: str) -> int:
        for prefix, limit in self.larger_limits.items():
            if path.startswith(prefix):
                return limit
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        if "\x00" in scope["path"] or b"%00" in query.lower() or b"\x00" in query:
            await problem_response(
                422,
                ProblemCode.NUL_CHARACTER,
                _("The URL contains a NUL character, which cannot be stored."),
            )(scope, receive, send)
            return
        if scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        declared = next((v for k, v in scope["headers"] if k.lower() == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit)
            return
        # Buffer up to the limit, so a body without Content-Length is held to it as well.
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(scope, receive, send, limit)
                return
            parts.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(parts)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        await problem_response(
            413,
            ProblemCode.PAYLOAD_TOO_LARGE,
            _("The request body exceeds {limit} bytes.", limit=limit),
        )(scope, receive, send)


class ErrorBoundaryMiddleware:
    """Whatever a handler or a middleware below raises ends here, answered as the problem+json
    it deserves (503 with Retry-After when the database is down, 500 otherwise), logged once
    with the request id. Nothing reaches the server, so the keep-alive connection stays open
    and the request context above records the status the client received."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            response = render(Request(scope), exc)  # logs it, with the request id
            if not started:
                await response(scope, receive, send)
            # Otherwise part of another answer is out and cannot be taken back: returning lets
            # the server close the connection, which tells the client the body is incomplete.


class NotModifiedMiddleware:
    """A GET or HEAD whose `If-None-Match` names the answer's ETag gets 304 Not Modified with
    the answer's headers and no content (RFC 9110 §13.1.2: the weak comparison, `*` matches
    any). The handler has run; what is saved is the transfer, and the client keeps its copy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        wanted = _header(scope["headers"], b"if-none-match")
        if wanted is None:
            await self.app(scope, receive, send)
            return
        held = {tag.strip().removeprefix("W/") for tag in wanted.split(",")}
        not_modified = False

        async def answer(message: Message) -> None:
            nonlocal not_modified
            if message["type"] == "http.response.start" and message["status"] == 200:
                current = _header(message["headers"], b"etag")
                if current is not None and ("*" in held or current.removeprefix("W/") in held):
                    not_modified = True
                    headers = [(k, v) for k, v in message["headers"] if k not in CONTENT_HEADERS]
                    await send({"type": "http.response.start", "status": 304, "headers": headers})
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                    return
            if not not_modified:
                await send(message)

        await self.app(scope, receive, answer)


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


PathMethods = tuple[re.Pattern[str], int, frozenset[str]]
# Routes are grouped by the first segments of their paths (/api/v1/enterprises), so that a
# request is matched against its group's few patterns rather than every route's.
GROUP_DEPTH = 3


def _path_methods(app: FastAPI) -> list[PathMethods]:
    """Every route's path pattern, number of parameters and methods (static files: GET)."""
    table = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount) and isinstance(route.app, StaticFiles):
            methods: frozenset[str] = frozenset({"GET", "HEAD"})
        elif context.methods:
            methods = frozenset(context.methods)
        else:
            continue
        table.append((context.path_regex, len(context.param_convertors), methods))
    return table


def _group(path: str) -> tuple[str, ...]:
    return tuple(path.split("/")[1 : GROUP_DEPTH + 1])


def _literal_group(regex: re.Pattern[str]) -> tuple[str, ...] | None:
    """The group of every path the pattern matches, when the pattern spells it out literally
    (None: a parameter comes sooner, so the pattern is tried for every path)."""
    pattern = regex.pattern.removeprefix("^")
    literal, parameter, _rest = pattern.partition("(")
    # Starlette writes the literal parts with re.escape, which only adds backslashes.
    segments = re.sub(r"\\(.)", r"\1", literal.removesuffix("$")).split("/")[1:]
    if parameter:
        segments = segments[:-1]  # the segment the parameter is in is not literal
        if len(segments) < GROUP_DEPTH:
            return None
    return tuple(segments[:GROUP_DEPTH])


def _grouped(
    table: list[PathMethods],
) -> tuple[dict[tuple[str, ...], list[PathMethods]], list[PathMethods]]:
    groups: dict[tuple[str, ...], list[PathMethods]] = {}
    everywhere = []
    for entry in table:
        group = _literal_group(entry[0])
        if group is None:
            everywhere.append(entry)
        else:
            groups.setdefault(group, []).append(entry)
    return groups, everywhere


class MethodsMiddleware:
    """HEAD on every GET route, OPTIONS on every path, and 405 answers whose `Allow` names the
    path's methods.

    FastAPI registers one route per path and method (`GET /enterprises`, `POST /enterprises`)
    and, unlike Starlette, adds no HEAD. Starlette's router answers a method no route has with
    the `Allow` of the first route whose path matched, so OPTIONS /api/v1/enterprises said
    `Allow: POST`. Here the methods of a path are those of every route of its most literal
    template (fewest parameters: `/imports/enterprises` over `/imports/{job_id}`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._table: tuple[dict[tuple[str, ...], list[PathMethods]], list[PathMethods]] | None
        self._table = None

    def _methods(self, scope: Scope) -> frozenset[str] | None:
        if self._table is None:
            # Built on the first request: the routes are all registered by then.
            self._table = _grouped(_path_methods(scope["app"]))
        groups, everywhere = self._table
        path: str = scope["path"]
        candidates = [*groups.get(_group(path), ()), *everywhere]
        matched = [(params, methods) for regex, params, methods in candidates if regex.match(path)]
        if not matched:
            return None
        fewest = min(params for params, _ in matched)
        return frozenset().union(*(methods for params, methods in matched if params == fewest))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        methods = self._methods(scope)
        method = scope["method"]
        if methods is None or method in methods:
            await self.app(scope, receive, send)
            return
        allowed = methods | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
        allow = ", ".join(m for m in METHOD_ORDER if m in allowed)
        if method == "OPTIONS":
            await Response(status_code=204, headers={"Allow": allow})(scope, receive, send)
        elif method == "HEAD" and "GET" in methods:
            await self._head(scope, receive, send)
        else:
            await problem_response(
                405,
                ProblemCode.METHOD_NOT_ALLOWED,
                _(
                    "{method} is not allowed on {path}; allowed: {allow}.",
                    method=method,
                    path=scope["path"],
                    allow=allow,
                ),
                headers={"Allow": allow},
            )(scope, receive, send)

    async def _head(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The GET answer's status and headers, without its body."""
        as_get = {**scope, "method": "GET"}

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        try:
            await self.app(as_get, receive, without_body)
        finally:
            # The router names the route in the scope it was given; the access log reads ours.
            if "route" in as_get:
                scope["route"] = as_get["route"]
