"""HTTP mechanics shared by every router: ETag, If-Match, Location."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Header, Request, Response
from fastapi.dependencies.models import Dependant

from app.errors import PreconditionFailed, Unprocessable


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
            f"If-Match {if_match} does not match the current ETag {current}; read it again.",
            code="stale_etag",
        )


def _query_names(dependant: Dependant) -> frozenset[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return frozenset(names)


_declared: dict[int, frozenset[str]] = {}


async def reject_unknown_parameters(request: Request) -> None:
    """A query parameter the operation does not declare is 422 `unknown_parameter`, as an
    unknown body field is: a misspelt filter (`?staus=open`) must not quietly answer the
    whole list."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    declared = _declared.get(id(route))
    if declared is None:
        declared = _declared[id(route)] = _query_names(dependant)
    unknown = sorted(set(request.query_params) - declared)
    if unknown:
        raise Unprocessable(
            f"Unknown query parameter {unknown[0]!r}; this operation takes "
            + (", ".join(sorted(declared)) or "none"),
            code="unknown_parameter",
            loc=["query", unknown[0]],
        )
