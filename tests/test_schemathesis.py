"""Schemathesis over every operation against a live server: no 5xx, and every response
matches the documented status codes, media types, headers and schemas."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from app.config import PROJECT_ROOT

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


# Import uploads are NDJSON text; Schemathesis sends them as it sends text/plain.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")

# The committed document is the contract under test (test_openapi proves it is the served one).
schema = schemathesis.openapi.from_path(str(PROJECT_ROOT / "openapi" / "openapi.json"))


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_conforms(case: Any, live_api: tuple[str, dict[str, str]]) -> None:
    base_url, headers = live_api
    case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
