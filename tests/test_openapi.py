"""openapi/openapi.json is what the app serves; `make openapi` rewrites it."""

from __future__ import annotations

import json
import re

import httpx

from app.config import PROJECT_ROOT

COMMITTED = PROJECT_ROOT / "openapi" / "openapi.json"
CAMEL_CASE = re.compile(r"^[a-z][A-Za-z0-9]*$")
METHODS = ("get", "post", "put", "patch", "delete")


class TestOpenApiDocument:
    async def test_committed_document_equals_the_served_one(
        self, client: httpx.AsyncClient
    ) -> None:
        served = (await client.get("/openapi.json")).json()
        committed = json.loads(COMMITTED.read_text())
        assert served == committed, "openapi/openapi.json is stale: run `make openapi`"

    async def test_every_operation_keeps_the_conventions(self, client: httpx.AsyncClient) -> None:
        spec = (await client.get("/openapi.json")).json()
        seen: set[str] = set()
        for path, item in spec["paths"].items():
            for method in METHODS:
                if method not in item:
                    continue
                operation = item[method]
                where = f"{method.upper()} {path}"
                assert CAMEL_CASE.match(operation["operationId"]), where
                assert operation["operationId"] not in seen, where
                seen.add(operation["operationId"])
                assert operation.get("tags"), where
                assert operation.get("summary") or operation.get("description"), where
                if path.startswith("/api/"):
                    errors = [s for s in operation["responses"] if s[0] in "45"]
                    assert errors, where
                    for status in errors:
                        content = operation["responses"][status]["content"]
                        assert list(content) == ["application/problem+json"], where
                if "requestBody" in operation:
                    body = operation["requestBody"]["content"]
                    if "application/json" in body:
                        ref = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
                        schema = spec["components"]["schemas"][ref]
                        assert schema.get("examples") or schema.get("example"), where
                        assert schema.get("additionalProperties") is False, where
