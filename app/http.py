"""HTTP mechanics shared by every router: ETag, If-Match, Location."""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping
from typing import Annotated, Any, Protocol

from fastapi import Header, Request, Response
from fastapi.dependencies.models import Dependant

from app.errors import PreconditionFailed, ProblemCode, Unprocessable
from app.i18n import _


def etag(version: int) -> str:
    return f'"{version}"'


def content_etag(content: bytes) -> str:
    """A strong ETag of a representation computed rather than versioned (the enum labels)."""
    return f'"{hashlib.sha256(content).hexdigest()[:32]}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def set_location(response: Response, path: str) -> None:
    response.headers["Location"] = path


IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=512,
        description="The ETag last read; the write is refused with 412 when it is stale",
    ),
]


def check_if_match(if_match: str | None, version: int) -> None:
    """Raise 412 unless `If-Match` is absent, `*`, or lists the current ETag. The comparison
    is strong (RFC 9110 §13.1.1): a weak tag (`W/"3"`) never matches."""
    if if_match is None or if_match.strip() == "*":
        return
    current = etag(version)
    offered = {tag.strip() for tag in if_match.split(",")}
    if current not in offered:
        raise PreconditionFailed(
            _(
                "If-Match {if_match} does not match the current ETag {current}; read it again.",
                if_match=if_match,
                current=current,
            ),
            code=ProblemCode.STALE_ETAG,
        )


# Where a keyed request's rate-limit state waits for the answer's headers (RateLimit-*,
# added by the request context middleware to whatever answer goes out, a 429 included).
RATE_LIMIT_KEY = "tech_accompaniment.rate_limit"


def tell_rate_limit(scope: MutableMapping[str, Any], state: HasHeaders) -> None:
    scope[RATE_LIMIT_KEY] = state.headers()


class HasHeaders(Protocol):
    def headers(self) -> list[tuple[bytes, bytes]]: ...


def _query_names(dependant: Dependant) -> frozenset[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return frozenset(names)


# Kept on the route itself (an id-keyed table could outlive a route and name another).
DECLARED_QUERY = "_declared_query_names"


async def reject_unknown_parameters(request: Request) -> None:
    """A query parameter the operation does not declare is 422 `unknown_parameter`, as an
    unknown body field is: a misspelt filter (`?staus=open`) must not quietly answer the
    whole list."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    declared: frozenset[str] | None = getattr(route, DECLARED_QUERY, None)
    if declared is None:
        declared = _query_names(dependant)
        setattr(route, DECLARED_QUERY, declared)
    unknown = sorted(set(request.query_params) - declared)
    if unknown:
        raise Unprocessable(
            _(
                "Unknown query parameter {name!r}; this operation takes {declared}.",
                name=unknown[0],
                declared=", ".join(sorted(declared)),
            )
            if declared
            else _("Unknown query parameter {name!r}; this operation takes none.", name=unknown[0]),
            code=ProblemCode.UNKNOWN_PARAMETER,
            loc=["query", unknown[0]],
        )


def _header(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "schema": schema or {"type": "string"}}


PROTOCOL_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": _header(
        "The request's id (the one sent, if well formed, else a new one); logs name it"
    ),
    "ETag": _header("The representation's version; send it back in If-Match or If-None-Match"),
    "Location": _header("Where the created resource (or the accepted job) is read"),
    "Retry-After": _header("Seconds to wait before trying again", {"type": "integer"}),
    "Idempotent-Replayed": _header(
        "`true` when this is the stored answer to an earlier request with the same Idempotency-Key",
        {"type": "string", "pattern": "^true$"},
    ),
    "RateLimit-Limit": _header(
        "API keys only: requests allowed in the key's window", {"type": "integer"}
    ),
    "RateLimit-Remaining": _header(
        "API keys only: requests left in the window", {"type": "integer"}
    ),
    "RateLimit-Reset": _header("API keys only: seconds until the window ends", {"type": "integer"}),
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string (1-255 visible ASCII characters): the same key and body "
    "within the retention window answer the first answer again, without a second write",
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
}


def declare_protocol_headers(document: dict[str, Any], idempotency_excluded: set[str]) -> None:
    """The headers the service's answers carry, and the Idempotency-Key POSTs honour, written
    into the document, so that generated clients can read and send them."""
    components = document.setdefault("components", {}).setdefault("headers", {})
    components.update(PROTOCOL_HEADERS)

    def ref(name: str) -> dict[str, str]:
        return {"$ref": f"#/components/headers/{name}"}

    for path, operations in document.get("paths", {}).items():
        single = path.endswith("}") or path.endswith("/meta/enums")
        for method, operation in operations.items():
            keyed = any("ApiKey" in option for option in operation.get("security", []))
            for status, response in operation.get("responses", {}).items():
                headers = response.setdefault("headers", {})
                names = ["X-Request-ID"]
                if status in ("429", "503"):
                    names.append("Retry-After")
                if status == "201":
                    names += ["Location", "ETag"]
                if status == "202":
                    names.append("Location")
                if status == "200" and (method in ("patch", "put") or (method == "get" and single)):
                    names.append("ETag")
                if method == "post" and status.startswith("2") and path not in idempotency_excluded:
                    names.append("Idempotent-Replayed")
                if keyed and (status.startswith("2") or status == "429"):
                    names += ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]
                for name in names:
                    headers.setdefault(name, ref(name))
            if method == "post" and path not in idempotency_excluded:
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                    parameters.append(dict(IDEMPOTENCY_KEY))
