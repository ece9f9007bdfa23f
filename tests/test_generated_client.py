"""A client generated from openapi/openapi.json by openapi-python-client logs in and reads /me."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from app.config import PROJECT_ROOT
from tests.conftest import LIVE_ADMIN_EMAIL, LIVE_ADMIN_PASSWORD


def generate(target: Path) -> Any:
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(PROJECT_ROOT / "openapi" / "openapi.json"),
            "--meta",
            "none",
            "--output-path",
            str(target / "tac_client"),
            "--overwrite",
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    sys.path.insert(0, str(target))
    try:
        return importlib.import_module("tac_client")
    finally:
        sys.path.remove(str(target))


class TestGeneratedClient:
    def test_logs_in_and_reads_me(
        self, tmp_path: Path, live_api: tuple[str, dict[str, str]]
    ) -> None:
        base_url, _ = live_api
        client_package = generate(tmp_path)
        create_token = importlib.import_module("tac_client.api.auth.create_token")
        get_me = importlib.import_module("tac_client.api.auth.get_me")
        models = importlib.import_module("tac_client.models")

        anonymous = client_package.Client(base_url=base_url)
        token = create_token.sync(
            client=anonymous,
            body=models.TokenRequest(username=LIVE_ADMIN_EMAIL, password=LIVE_ADMIN_PASSWORD),
        )
        assert isinstance(token, models.TokenRead), token

        authenticated = client_package.AuthenticatedClient(
            base_url=base_url, token=token.access_token
        )
        me = get_me.sync(client=authenticated)
        assert isinstance(me, models.MeRead), me
        assert me.email == LIVE_ADMIN_EMAIL
        assert me.role == models.Role.ADMIN

        wrong = create_token.sync(
            client=anonymous,
            body=models.TokenRequest(username=LIVE_ADMIN_EMAIL, password="not-the-password"),
        )
        assert isinstance(wrong, models.Problem)
        assert wrong.code == "invalid_credentials"
