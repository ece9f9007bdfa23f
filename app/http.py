"""HTTP mechanics shared by every router: ETag, If-Match, Location."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Header, Response

from app.errors import PreconditionFailed


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
