"""A frontend's TypeScript client of openapi/openapi.json (issue 16): openapi-typescript
generates the types with no warning, `tsc` checks tests/typescript/client.ts against them
(strict; the alert reasons switched on `code` with an exhaustive `never`), and node runs it
against a live server: login, /me, rankings, policies, an import from a browser-style form,
the alert board's typed reasons, enum labels and a problem. The versions are pinned in
tests/typescript/package-lock.json; npm installs them from the registry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx

from app.config import PROJECT_ROOT
from tests.conftest import LIVE_ADMIN_EMAIL, LIVE_ADMIN_PASSWORD
from tests.factories import random_uscc

HERE = PROJECT_ROOT / "tests" / "typescript"
# Defaults make a field optional in what the client sends; what the service answers lists
# every field it always writes as required, so nothing is lost on the answers.
GENERATE = ["--default-non-nullable", "false"]


def run(*command: str, env: dict[str, str] | None = None) -> str:
    npm = shutil.which("npm")
    assert npm is not None, "npm is needed for the TypeScript client check (Node.js 20+)"
    done = subprocess.run(
        list(command), cwd=HERE, capture_output=True, text=True, timeout=600, env=env, check=False
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{said}"
    return said


def red_project(base_url: str, admin: dict[str, str]) -> str:
    """A project past its end date: red on the board, its first reason `past_end_date`."""
    enterprise = httpx.post(
        f"{base_url}/api/v1/enterprises",
        headers=admin,
        json={"uscc": random_uscc(), "name": "前端看板有限公司"},
    )
    assert enterprise.status_code == 201, enterprise.text
    project = httpx.post(
        f"{base_url}/api/v1/projects",
        headers=admin,
        json={
            "enterprise_id": enterprise.json()["id"],
            "title": "前端看板项目",
            "level": "city",
            "start_on": "2024-01-01",
            "end_on": "2025-06-30",
            "status": "approved",
        },
    )
    assert project.status_code == 201, project.text
    return str(project.json()["id"])


def test_the_typescript_client_compiles_and_calls_the_service(
    live_api: tuple[str, dict[str, str]],
) -> None:
    base_url, admin = live_api
    red_project(base_url, admin)
    run("npm", "ci", "--no-audit", "--no-fund")
    generated = run(
        "npx",
        "openapi-typescript",
        str(PROJECT_ROOT / "openapi" / "openapi.json"),
        *GENERATE,
        "-o",
        "generated/schema.d.ts",
    )
    assert "warn" not in generated.lower() and "error" not in generated.lower(), generated
    shutil.rmtree(HERE / "build", ignore_errors=True)
    run("npx", "tsc", "-p", "tsconfig.json")
    uscc = random_uscc()
    out = run(
        "node",
        str(Path("build") / "client.js"),
        env={
            **os.environ,
            "TAC_BASE_URL": base_url,
            "TAC_EMAIL": LIVE_ADMIN_EMAIL,
            "TAC_PASSWORD": LIVE_ADMIN_PASSWORD,
            "TAC_USCC": uscc,
        },
    )
    said: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    assert {
        "createToken",
        "getMe",
        "listRankings",
        "listPolicies",
        "importEnterprises",
        "getImportJob",
        "getAlertBoard",
        "listEnums",
    } <= set(said["answered"]), said
    assert said["role"] == "admin"
    assert (said["importStatus"], said["importStored"]) == ("succeeded", 1), said
    assert said["boardEntries"] >= 1 and said["described"], said
    assert any("days past 2025-06-30" in line for line in said["described"]), said
    assert said["reasonLabels"]["past_end_date"] == "超过结束日期", said
    assert any((line or "").startswith("项目应于2025-06-30结束") for line in said["sentences"]), (
        said
    )
    assert said["problem"] == {"status": 404, "code": "enterprise_not_found", "title": "未找到"}
    found = httpx.get(f"{base_url}/api/v1/enterprises", headers=admin, params={"q": uscc})
    assert [e["name"] for e in found.json()["items"]] == ["前端导入有限公司"]
