"""Keyset pagination: opaque cursors, `Page[T]`, and the clause that resumes after a cursor.

Lists are ordered by a tuple of sort keys that ends in a unique column, so the
order is total and a page boundary is never ambiguous, whatever is inserted
between two requests. OFFSET is never used. A cursor is signed with the server's secret and
bound to its list (`CursorSigner`): a cursor the service did not hand out is 422
`invalid_cursor`, never a value that reaches a query.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import inspect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import urlencode
from uuid import UUID

from fastapi import Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select, text
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.config import Settings
from app.errors import ProblemCode, Unprocessable
from app.i18n import _

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# A list's statement, whatever it selects.
AnySelect = Select[*tuple[Any, ...]]
# Counting a long list exactly costs a scan of it: past this, the planner's estimate.
EXACT_TOTAL_UP_TO = 10_000


class Page(BaseModel, Generic[T]):
    # In the document every answer carries has_more, though the code that builds a page
    # leaves it to the cursor.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page"
    )
    has_more: bool = Field(
        default=False, description="true when another page follows (`next_cursor` is set)"
    )
    total: int | None = Field(
        default=None,
        description="With `include_total=true`: the rows of the whole list (all pages); exact "
        f"up to {EXACT_TOTAL_UP_TO:,}, beyond that the planner's estimate "
        "(`total_is_estimate`); null when not asked for",
    )
    total_is_estimate: bool = Field(
        default=False, description="true when `total` is the planner's estimate"
    )

    @model_validator(mode="after")
    def _more_when_a_cursor_follows(self) -> Page[T]:
        self.has_more = self.next_cursor is not None
        return self


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


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode())


def _invalid(param: str) -> Unprocessable:
    return Unprocessable(
        _("The cursor is not one this list handed out."),
        code=ProblemCode.INVALID_CURSOR,
        loc=["query", param],
    )


@dataclass(frozen=True)
class CursorSigner:
    """Cursors are signed with the server's secret and bound to the list that handed them
    out (its path and filters), so a cursor that was crafted, altered or taken from another
    list never reaches a query: its values are exactly the sort keys the service wrote."""

    key: bytes
    scope: str
    param: str = "cursor"

    @classmethod
    def for_secret(cls, secret: str, scope: str, param: str = "cursor") -> CursorSigner:
        key = hashlib.sha256(b"tas-cursor\x00" + secret.encode()).digest()
        return cls(key=key, scope=scope, param=param)

    def _mac(self, payload: bytes) -> bytes:
        message = self.scope.encode() + b"\x00" + payload
        return hmac.new(self.key, message, hashlib.sha256).digest()[:16]

    def encode(self, values: Sequence[Any]) -> str:
        payload = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def verify(self, cursor: str) -> list[Any]:
        """The cursor's values, if this signer handed it out (422 `invalid_cursor` if not)."""
        try:
            payload_text, dot, mac_text = cursor.partition(".")
            payload = _unb64(payload_text)
            if not dot or not hmac.compare_digest(_unb64(mac_text), self._mac(payload)):
                raise ValueError("cursor signature does not match")
            values = json.loads(payload)
            if not isinstance(values, list):
                raise ValueError("a cursor is a list")
            return [_decode_value(v) for v in values]
        except (ValueError, ArithmeticError, binascii.Error, UnicodeDecodeError) as exc:
            raise _invalid(self.param) from exc

    def decode(self, cursor: str, width: int) -> tuple[Any, ...]:
        values = self.verify(cursor)
        if len(values) != width:
            raise _invalid(self.param)
        return tuple(values)


def list_scope(
    request: Request, ignored: frozenset[str] = frozenset({"cursor", "limit", "include_total"})
) -> str:
    """The list a request reads: its path and filters (page size and position aside)."""
    query = sorted((k, v) for k, v in request.query_params.multi_items() if k not in ignored)
    return f"{request.url.path}?{urlencode(query)}"


def request_signer(request: Request, scope: str, param: str = "cursor") -> CursorSigner:
    settings: Settings = request.app.state.settings
    return CursorSigner.for_secret(settings.signing_key(), scope, param)


@dataclass(frozen=True)
class Total:
    count: int
    estimate: bool

    def fields(self) -> dict[str, Any]:
        return {"total": self.count, "total_is_estimate": self.estimate}


@dataclass(frozen=True)
class Sorts:
    """The orders a list offers, by the name `sort=` takes (`-name`: descending); each ends
    in a unique column so that the order is total. The first is the list's default."""

    name: str  # the parameter's type in the document (ProjectSort, …)
    orders: dict[str, tuple[SortKey, ...]]

    @classmethod
    def single(cls, keys: tuple[SortKey, ...]) -> Sorts:
        """A list with one order (no `sort=`)."""
        return cls("", {"": keys})

    @property
    def default(self) -> str:
        return next(iter(self.orders))

    @property
    def default_keys(self) -> tuple[SortKey, ...]:
        return self.orders[self.default]


@dataclass(frozen=True)
class Fetched(Generic[R]):
    items: list[R]
    next_cursor: str | None
    total: Total | None

    def page_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"next_cursor": self.next_cursor}
        if self.total is not None:
            fields |= self.total.fields()
        return fields


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None
    # None only for internal reads that take one page and never hand a cursor out.
    signer: CursorSigner | None = None
    include_total: bool = False
    sort: str | None = None

    def after(self, width: int) -> tuple[Any, ...] | None:
        if self.cursor is None:
            return None
        if self.signer is None:
            raise _invalid("cursor")
        return self.signer.decode(self.cursor, width)

    def paginate(
        self, rows: Sequence[R], key: Callable[[R], Sequence[Any]]
    ) -> tuple[list[R], str | None]:
        """Rows fetched with `limit + 1`: the page and the cursor of its last row when more
        follow."""
        page = list(rows[: self.limit])
        if len(rows) <= self.limit or not page:
            return page, None
        if self.signer is None:
            raise RuntimeError("an internal read cannot hand out a cursor")
        return page, self.signer.encode(key(page[-1]))

    async def fetch(self, session: AsyncSession, stmt: AnySelect, sorts: Sorts) -> Fetched[Any]:
        """The page of `stmt` (the list's filtered rows, one entity per row) in the order
        `sort=` chose, after the cursor, with the total when asked for."""
        keys = sorts.orders[self.sort or sorts.default]
        total = await count_rows(session, stmt) if self.include_total else None
        after = self.after(len(keys))
        if after is not None:
            stmt = stmt.where(after_clause(keys, after))
        stmt = stmt.order_by(*order_by(keys)).limit(self.limit + 1)
        # One entity a row: the entities; several columns: the rows, the entity first.
        entities = len(stmt.column_descriptions) == 1
        rows: list[Any] = list(
            await session.scalars(stmt) if entities else (await session.execute(stmt)).all()
        )
        items, cursor = self.paginate(rows, lambda row: [_key_value(row, k) for k in keys])
        return Fetched(items, cursor, total)


def _key_value(row: Any, key: SortKey) -> Any:
    """A sort key's value in a fetched row: a column the row selected, else an attribute of
    the row's entity."""
    if isinstance(row, Row):
        if key.column in row._mapping:
            return row._mapping[key.column]
        row = row[0]
    name = key.column.key
    assert name is not None, "a sort key is a mapped column"
    return getattr(row, name)


async def count_rows(
    session: AsyncSession, stmt: AnySelect, exact_up_to: int = EXACT_TOTAL_UP_TO
) -> Total:
    """How many rows `stmt` has: exactly up to `exact_up_to` (a bounded count), beyond that
    the planner's estimate (a count would read them all)."""
    bounded = stmt.order_by(None).limit(exact_up_to + 1).subquery()
    exact = int(await session.scalar(select(func.count()).select_from(bounded)) or 0)
    if exact <= exact_up_to:
        return Total(exact, estimate=False)
    try:
        # The values are the list's own filters (typed by the query's parameters), written
        # into the statement so that EXPLAIN can plan it.
        sql = stmt.order_by(None).compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
    except CompileError:
        return Total(exact, estimate=True)  # "more than": what is known without a scan
    plan = await session.scalar(text(f"EXPLAIN (FORMAT JSON) {sql}"))
    estimated = int(plan[0]["Plan"]["Plan Rows"]) if plan else exact
    return Total(max(estimated, exact), estimate=True)


async def _page_params(
    request: Request,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=1024, description="`next_cursor` of the previous page")
    ] = None,
    include_total: Annotated[
        bool, Query(description="Also count the whole list (`total`, `total_is_estimate`)")
    ] = False,
) -> PageParams:
    signer = request_signer(request, list_scope(request))
    page = PageParams(limit=limit, cursor=cursor, signer=signer, include_total=include_total)
    # Checked before anything else runs: a cursor this list did not hand out is 422 whatever
    # the path names (the width is checked again where the list is read).
    if cursor is not None:
        signer.verify(cursor)
    return page


PageParamsDep = Annotated[PageParams, Depends(_page_params)]


def sorted_page(sorts: Sorts) -> Any:
    """The dependency of a list that offers `sorts` (`Annotated[PageParams, sorted_page(…)]`):
    the page parameters, and `sort=` naming one of them (the
    document lists them as an enum). A cursor belongs to its sort (it is part of the list's
    scope), so paging under a sort goes on in that sort."""
    choices = StrEnum(sorts.name, {name: name for name in sorts.orders})  # type: ignore[misc]

    async def dependency(
        request: Request,
        page: PageParamsDep,
        sort: Any = None,
    ) -> PageParams:
        return dataclasses.replace(page, sort=None if sort is None else str(sort.value))

    description = f"The order: one of {', '.join(sorts.orders)} (`-`: descending); "
    description += f"default {sorts.default}"
    parameters = list(inspect.signature(dependency).parameters.values())
    parameters[-1] = parameters[-1].replace(
        annotation=Annotated[choices | None, Query(description=description)]
    )
    dependency.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=PageParams
    )
    return Depends(dependency)


@dataclass(frozen=True)
class SortKey:
    column: ColumnElement[Any] | InstrumentedAttribute[Any]
    descending: bool = False


def orders(
    columns: dict[str, InstrumentedAttribute[Any]],
    unique: InstrumentedAttribute[Any],
    *,
    newest_first: bool = False,
) -> dict[str, tuple[SortKey, ...]]:
    """Each (non-null) column ascending by its name and descending by `-name`, the unique
    column breaking ties in the same direction. The first column's order is the default,
    descending when `newest_first`."""
    found: dict[str, tuple[SortKey, ...]] = {}
    for index, (name, column) in enumerate(columns.items()):
        ascending = (SortKey(column), SortKey(unique))
        descending = (SortKey(column, descending=True), SortKey(unique, descending=True))
        pair = [(name, ascending), (f"-{name}", descending)]
        if index == 0 and newest_first:
            pair.reverse()
        found.update(pair)
    return found


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
