"""Keyset pagination: opaque cursors, `Page[T]`, and the clause that resumes after a cursor.

Lists are ordered by a tuple of sort keys that ends in a unique column, so the
order is total and a page boundary is never ambiguous, whatever is inserted
between two requests. OFFSET is never used.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import Unprocessable

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page"
    )


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, UUID):
        return {"u": str(value)}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if not isinstance(raw, str):
            raise ValueError("tagged cursor value must be a string")
        decoders: dict[str, Callable[[str], Any]] = {
            "dt": datetime.fromisoformat,
            "d": date.fromisoformat,
            "u": UUID,
            "n": Decimal,
        }
        if tag not in decoders:
            raise ValueError(f"unknown cursor tag {tag!r}")
        return decoders[tag](raw)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError("unexpected cursor value")


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> tuple[Any, ...]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != width:
            raise ValueError("wrong cursor width")
        return tuple(_decode_value(v) for v in values)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise Unprocessable(
            "The cursor is not one this list handed out.",
            code="invalid_cursor",
            loc=["query", "cursor"],
        ) from exc


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None

    def after(self, width: int) -> tuple[Any, ...] | None:
        return None if self.cursor is None else decode_cursor(self.cursor, width)


def _page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=1024, description="`next_cursor` of the previous page")
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageParamsDep = Annotated[PageParams, Depends(_page_params)]


@dataclass(frozen=True)
class SortKey:
    column: ColumnElement[Any] | InstrumentedAttribute[Any]
    descending: bool = False


def after_clause(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `keys` (keys must be non-null)."""
    alternatives: list[ColumnElement[bool]] = []
    for index, key in enumerate(keys):
        equal_prefix = [k.column == v for k, v in zip(keys[:index], values[:index], strict=True)]
        step = key.column < values[index] if key.descending else key.column > values[index]
        alternatives.append(and_(*equal_prefix, step))
    return or_(*alternatives)


def order_by(keys: Sequence[SortKey]) -> list[ColumnElement[Any]]:
    return [k.column.desc() if k.descending else k.column.asc() for k in keys]


def paginate(
    rows: Sequence[R], limit: int, key: Callable[[R], Sequence[Any]]
) -> tuple[list[R], str | None]:
    """Rows fetched with `limit + 1`: the page and the cursor of its last row when more follow."""
    page = list(rows[:limit])
    next_cursor = encode_cursor(key(page[-1])) if len(rows) > limit and page else None
    return page, next_cursor
