"""The floor the HTTP benches measure the service against: a bare ASGI app (no framework, no
ORM, no middleware) on an asyncpg pool, one SQL statement per request, the same JSON.

It still does the work no implementation can skip: it checks the bearer token's signature
and claims (no database round trip), runs one statement, and encodes the rows as the
service does (UUIDs and dates as strings, instants in UTC with `Z`, decimals as strings).
It answers as the administrator sees things (no masking, every enterprise visible), which is
who the benches log in as. Run by the benches as
`uvicorn bench.floor:app --workers N` with FLOOR_DSN, FLOOR_SECRET and FLOOR_POOL_SIZE.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode

import asyncpg

from app.auth.security import InvalidToken, read_token
from app.enterprises.schemas import AnnualReportWrite
from app.pagination import CursorSigner

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

COLUMNS = (
    "id, uscc, name, short_name, established_on, district, industry_code, tech_field, tags, "
    "contact_name, contact_phone, contact_email, status, created_at, updated_at"
)
GET_ONE = f"SELECT {COLUMNS}, version FROM enterprise WHERE id = $1"
LIST = f"SELECT {COLUMNS} FROM enterprise WHERE status = 'active' ORDER BY name, id LIMIT $1"
# The service's search in one statement: the best matches (exact, prefix, code) through their
# B-tree indexes, then names containing q by name, each half limited, then merged.
RANK = """CASE WHEN name = $1 OR short_name = $1 OR uscc = upper($1) THEN 0
  WHEN search_text LIKE $2 ESCAPE '\\' THEN 1 WHEN uscc LIKE upper($1) || '%' THEN 2 ELSE 3 END"""
SEARCH = f"""
SELECT * FROM (
  (SELECT {COLUMNS}, {RANK} AS match_rank FROM enterprise
   WHERE status = 'active' AND (name = $1 OR short_name = $1 OR search_text LIKE $2 ESCAPE '\\'
     OR ($5 AND uscc LIKE upper($1) || '%'))
   ORDER BY match_rank, name, id LIMIT $4)
  UNION ALL
  (SELECT {COLUMNS}, 3 FROM enterprise
   WHERE status = 'active' AND name_grams @> $3 AND search_text LIKE $6 ESCAPE '\\'
     AND name <> $1 AND short_name IS DISTINCT FROM $1 AND NOT search_text LIKE $2 ESCAPE '\\'
     AND NOT ($5 AND uscc LIKE upper($1) || '%')
   ORDER BY name, id LIMIT $4)
) AS found ORDER BY match_rank, name, id LIMIT $4
"""
ME = "SELECT id, email, role, enterprise_id, is_active FROM app_user WHERE id = $1"
INSERT_ENTERPRISE = f"""
INSERT INTO enterprise (id, uscc, name, short_name, established_on, district, industry_code,
    tech_field, tags, contact_name, contact_phone, contact_email, status, version, created_at,
    updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'active', 1, now(), now())
RETURNING {COLUMNS}, version
"""
REPORT_FIELDS = [n for n in AnnualReportWrite.model_fields if n not in ("filed_on", "rd_org")]
RD_ORG = ("rd_accounting", "rd_institution", "transformation_incentives", "talent_programs")
_stored = (*REPORT_FIELDS, *RD_ORG)
_values = ", ".join(f"${n}" for n in range(5, 5 + len(_stored)))
UPSERT_REPORT = f"""
INSERT INTO annual_report (id, enterprise_id, year, filed_on, {", ".join(_stored)}, version,
    created_at, updated_at)
VALUES ($1, $2, $3, $4, {_values}, 1, now(), now())
ON CONFLICT (enterprise_id, year) DO UPDATE SET
    {", ".join(f"{name} = excluded.{name}" for name in _stored)},
    version = annual_report.version + 1, updated_at = now()
RETURNING *, (xmax = 0) AS created
"""
MONEY = {"revenue", "high_tech_revenue", "total_cost", "net_assets", "total_assets"}
MONEY |= {"rd_expense", "rd_expense_domestic"}


def _encode(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_encode).encode()


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _grams(text: str) -> list[str]:
    return [text] if len(text) <= 2 else sorted({text[i : i + 2] for i in range(len(text) - 1)})


USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")


class Floor:
    def __init__(self) -> None:
        self.pool: asyncpg.Pool | None = None
        self.secret = os.environ.get("FLOOR_SECRET", "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        status, body, headers = await self._answer(scope, receive)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    *headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                size = int(os.environ.get("FLOOR_POOL_SIZE", "16"))
                self.pool = await asyncpg.create_pool(
                    os.environ["FLOOR_DSN"], min_size=size, max_size=size
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.pool is not None:
                    await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _answer(
        self, scope: Scope, receive: Receive
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        path: str = scope["path"]
        method: str = scope["method"]
        if path == "/health/live":
            return 200, b'{"status":"ok"}', []
        user = self._user(scope)
        if user is None:
            return 401, b'{"code":"not_authenticated"}', []
        assert self.pool is not None
        parts = path.strip("/").split("/")
        if path == "/api/v1/me":
            return await self._me(user)
        if parts[:3] != ["api", "v1", "enterprises"]:
            return 404, b"{}", []
        if len(parts) == 3 and method == "GET":
            query = parse_qs(scope["query_string"].decode())
            limit = int(query.get("limit", ["50"])[0])
            q = query.get("q", [""])[0].strip()
            # Signed and bound to the list as the service binds it (app.pagination.list_scope).
            filters = sorted((k, v[0]) for k, v in query.items() if k not in {"cursor", "limit"})
            signer = CursorSigner.for_secret(self.secret, f"{path}?{urlencode(filters)}")
            return 200, await self._list(limit, q, signer), []
        if len(parts) == 3 and method == "POST":
            return await self._create(json.loads(await _body(receive)))
        if len(parts) == 4 and method == "GET":
            row = await self.pool.fetchrow(GET_ONE, uuid.UUID(parts[3]))
            if row is None:
                return 404, b'{"code":"enterprise_not_found"}', []
            item = dict(row)
            etag = _etag(item.pop("version"))
            return 200, dumps(item), [etag]
        if len(parts) == 6 and parts[4] == "annual-reports" and method == "PUT":
            data = json.loads(await _body(receive))
            return await self._put_report(uuid.UUID(parts[3]), int(parts[5]), data)
        return 404, b"{}", []

    def _user(self, scope: Scope) -> uuid.UUID | None:
        for name, value in scope["headers"]:
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                try:
                    return read_token(value[7:].decode(), self.secret).user_id
                except InvalidToken:
                    return None
        return None

    async def _me(self, user_id: uuid.UUID) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        assert self.pool is not None
        row = await self.pool.fetchrow(ME, user_id)
        if row is None or not row["is_active"]:
            return 401, b'{"code":"account_inactive"}', []
        me = {
            "kind": "user",
            "id": row["id"],
            "role": row["role"],
            "email": row["email"],
            "enterprise_id": row["enterprise_id"],
            "scopes": [],
        }
        return 200, dumps(me), []

    async def _list(self, limit: int, q: str, signer: CursorSigner) -> bytes:
        assert self.pool is not None
        keys: list[tuple[Any, ...]]
        if not q:
            rows = await self.pool.fetch(LIST, limit + 1)
            keys = [(row["name"], row["id"]) for row in rows]
        else:
            lowered = q.lower()
            escaped = _like_escape(lowered)
            code = 2 <= len(q) <= 18 and all(c in USCC_ALPHABET for c in q.upper())
            rows = await self.pool.fetch(
                SEARCH, q, f"{escaped}%", _grams(lowered), limit + 1, code, f"%{escaped}%"
            )
            keys = [(row["match_rank"], row["name"], row["id"]) for row in rows]
        items = [dict(row) for row in rows[:limit]]
        for item in items:
            item.pop("match_rank", None)
        cursor = signer.encode(keys[limit - 1]) if len(rows) > limit else None
        return dumps({"items": items, "next_cursor": cursor})

    async def _create(self, data: dict[str, Any]) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        assert self.pool is not None
        established = data.get("established_on")
        row = await self.pool.fetchrow(
            INSERT_ENTERPRISE,
            uuid.uuid4(),
            data["uscc"].strip().upper(),
            data["name"],
            data.get("short_name"),
            date.fromisoformat(established) if established else None,
            data.get("district"),
            data.get("industry_code"),
            data.get("tech_field"),
            sorted(set(data.get("tags", []))),
            data.get("contact_name"),
            data.get("contact_phone"),
            data.get("contact_email"),
        )
        item = dict(row)
        etag = _etag(item.pop("version"))
        location = (b"location", f"/api/v1/enterprises/{item['id']}".encode())
        return 201, dumps(item), [etag, location]

    async def _put_report(
        self, enterprise_id: uuid.UUID, year: int, data: dict[str, Any]
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        assert self.pool is not None
        rd_org = data.get("rd_org", {})
        values = [
            Decimal(data[name]) if name in MONEY else data.get(name, _default(name))
            for name in REPORT_FIELDS
        ]
        values += [bool(rd_org.get(name, False)) for name in RD_ORG]
        filed = data.get("filed_on")
        row = await self.pool.fetchrow(
            UPSERT_REPORT,
            uuid.uuid4(),
            enterprise_id,
            year,
            date.fromisoformat(filed) if filed else date.today(),  # noqa: DTZ011
            *values,
        )
        item = dict(row)
        report = {name: item[name] for name in item if name not in (*RD_ORG, "version", "created")}
        report["rd_org"] = {name: item[name] for name in RD_ORG}
        return (201 if item["created"] else 200), dumps(report), [_etag(item["version"])]


def _default(name: str) -> Any:
    return (
        None
        if name in ("tech_advancement", "core_support", "ip_self_developed")
        else (False if name == "major_incident" else 0)
    )


def _etag(version: int) -> tuple[bytes, bytes]:
    return b"etag", f'"{version}"'.encode()


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


app = Floor()
