"""A client generated from openapi/openapi.json by openapi-python-client, with no warning from
the generator, logs in, reads /me, and calls a ranking, a policy and an import operation with
its typed models (issue 16: the generator used to drop the rankings' and policies' models and
the import operations)."""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app.config import PROJECT_ROOT
from tests.conftest import LIVE_ADMIN_EMAIL, LIVE_ADMIN_PASSWORD
from tests.factories import random_uscc, workbook

DOCUMENT = PROJECT_ROOT / "openapi" / "openapi.json"


def generate(target: Path) -> Any:
    bin_dir = Path(sys.executable).parent
    generated = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(DOCUMENT),
            "--meta",
            "none",
            "--output-path",
            str(target / "tac_client"),
            "--overwrite",
        ],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    said = generated.stdout + generated.stderr
    # Any warning means a model or an operation left out, or typed as Any.
    assert "warning" not in said.lower(), said
    sys.path.insert(0, str(target))
    try:
        return importlib.import_module("tac_client")
    finally:
        sys.path.remove(str(target))


def example(schema: str) -> dict[str, Any]:
    document = json.loads(DOCUMENT.read_text())
    value: dict[str, Any] = document["components"]["schemas"][schema]["examples"][0]
    return value


@pytest.fixture(scope="module")
def tac(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return generate(tmp_path_factory.mktemp("generated"))


def op(name: str) -> Any:
    return importlib.import_module(f"tac_client.api.{name}")


@pytest.fixture
def client(tac: Any, live_api: tuple[str, dict[str, str]]) -> Any:
    base_url, admin = live_api
    return tac.AuthenticatedClient(
        base_url=base_url, token=admin["Authorization"].removeprefix("Bearer ")
    )


class TestGeneratedClient:
    def test_logs_in_and_reads_me(self, tac: Any, live_api: tuple[str, dict[str, str]]) -> None:
        base_url, _ = live_api
        create_token = op("auth.create_token")
        models = importlib.import_module("tac_client.models")

        anonymous = tac.Client(base_url=base_url)
        token = create_token.sync(
            client=anonymous,
            body=models.TokenRequest(username=LIVE_ADMIN_EMAIL, password=LIVE_ADMIN_PASSWORD),
        )
        assert isinstance(token, models.TokenRead), token

        authenticated = tac.AuthenticatedClient(base_url=base_url, token=token.access_token)
        me = op("auth.get_me").sync(client=authenticated)
        assert isinstance(me, models.MeRead), me
        assert me.email == LIVE_ADMIN_EMAIL
        assert me.role == models.Role.ADMIN

        wrong = create_token.sync(
            client=anonymous,
            body=models.TokenRequest(username=LIVE_ADMIN_EMAIL, password="not-the-password"),
        )
        assert isinstance(wrong, models.Problem)
        assert wrong.code == "invalid_credentials"

    def test_creates_and_lists_a_policy(self, client: Any) -> None:
        models = importlib.import_module("tac_client.models")
        created = op("policies.create_policy").sync(
            client=client, body=models.PolicyCreate.from_dict(example("PolicyCreate"))
        )
        assert isinstance(created, models.PolicyRead), created
        page = op("policies.list_policies").sync(client=client)
        assert isinstance(page, models.PolicyPage), page
        assert created.id in {policy.id for policy in page.items}
        reach = op("policies.get_policy_reach").sync(created.id, client=client)
        assert isinstance(reach, models.PolicyReachRead), reach

    def test_computes_and_reads_a_ranking(self, client: Any) -> None:
        models = importlib.import_module("tac_client.models")
        enterprise = op("enterprises.create_enterprise").sync(
            client=client,
            body=models.EnterpriseCreate.from_dict(
                example("EnterpriseCreate") | {"uscc": random_uscc()}
            ),
        )
        assert isinstance(enterprise, models.EnterpriseRead), enterprise
        report = op("enterprises.put_annual_report").sync(
            enterprise.id,
            2018,
            client=client,
            body=models.AnnualReportWrite.from_dict(
                example("AnnualReportWrite") | {"filed_on": "2019-02-20"}
            ),
        )
        assert isinstance(report, models.AnnualReportRead), report
        # A year of its own on the shared live server: nobody else's cohort joins this one.
        member = op("pools.create_pool_member").sync(
            models.Pool.HTE,
            client=client,
            body=models.PoolMemberCreate.from_dict(
                example("PoolMemberCreate")
                | {"enterprise_id": str(enterprise.id), "effective_on": "2019-03-01"}
            ),
        )
        assert isinstance(member, models.PoolMemberRead), member
        run = op("rankings.create_ranking").sync(
            client=client,
            body=models.RankingRunCreate.from_dict(example("RankingRunCreate") | {"year": 2019}),
        )
        assert isinstance(run, models.RankingRunRead), run
        page = op("rankings.list_rankings").sync(client=client)
        assert isinstance(page, models.RankingRunPage), page
        assert run.id in {listed.id for listed in page.items}
        entries = op("rankings.list_ranking_entries").sync(run.id, client=client)
        assert isinstance(entries, models.RankingEntryPage), entries
        assert [entry.enterprise_id for entry in entries.items] == [enterprise.id]

    @pytest.mark.parametrize("sent_as", ["form", "bytes"])
    def test_imports_aworkbook(self, tac: Any, client: Any, sent_as: str) -> None:
        models = importlib.import_module("tac_client.models")
        types = importlib.import_module("tac_client.types")
        uscc = random_uscc()
        file = types.File(
            payload=io.BytesIO(workbook([["uscc", "name"], [uscc, "生成客户端导入有限公司"]])),
            file_name="enterprises.xlsx",
        )
        body = models.ImportEnterprisesFilesBody(file=file) if sent_as == "form" else file
        job = op("imports.import_enterprises").sync(client=client, body=body)
        assert isinstance(job, models.ImportJobRead), job
        assert job.format_ == models.ImportFormat.XLSX
        deadline = time.monotonic() + 60
        while job.status in (models.ImportStatus.PENDING, models.ImportStatus.RUNNING):
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
            job = op("imports.get_import_job").sync(job.id, client=client)
        assert (job.status, job.stored) == (models.ImportStatus.SUCCEEDED, 1), job
        found = op("enterprises.list_enterprises").sync(client=client, q=uscc)
        assert [e.name for e in found.items] == ["生成客户端导入有限公司"]
