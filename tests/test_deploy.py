"""deploy/: the Kubernetes manifests validate offline against a pinned Kubernetes version's
schemas (kubernetes-validate carries them), say what the service needs (probes on /health,
configuration from the ConfigMap and the Secret, the migration Job), and the one-host
compose file runs three replicas behind nginx within PostgreSQL's connection budget."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from app.auth.principals import LISTENER_CONNECTIONS
from app.config import PROJECT_ROOT, Settings
from app.db import create_engine

DEPLOY = PROJECT_ROOT / "deploy"
KUBERNETES_VERSION = "1.32.0"
EXPECTED_KINDS = {
    "ConfigMap",
    "Secret",
    "Deployment",
    "Service",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "Job",
}
# Read by uvicorn itself rather than by Settings (workers; whose X-Forwarded-For to trust).
UVICORN_VARIABLES = {"WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"}
SETTING_NAMES = {name.upper() for name in Settings.model_fields} | UVICORN_VARIABLES
# PostgreSQL keeps these for superusers; the migration Job or an operator's psql needs some.
RESERVED_CONNECTIONS = 3 + 2


def manifests() -> list[dict[str, Any]]:
    found = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        found += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def one(kind: str) -> dict[str, Any]:
    matching = [doc for doc in manifests() if doc["kind"] == kind]
    assert len(matching) == 1, f"{len(matching)} {kind} manifests"
    return matching[0]


def connections_per_worker(pool_size: int) -> int:
    """What one worker process may open: the pool and its overflow, as app.db builds them,
    and the principal cache's listener beside the pool."""
    settings = Settings(database_url="postgresql://u@localhost/db", secret_key="x" * 32)
    settings.db_pool_size = pool_size
    pool = create_engine(settings.database_url or "", settings).sync_engine.pool
    size: int = getattr(pool, "size")()  # noqa: B009 - QueuePool's, not on the Pool type
    overflow: int = getattr(pool, "_max_overflow")  # noqa: B009
    return size + max(overflow, 0) + LISTENER_CONNECTIONS


def test_every_manifest_validates_against_the_pinned_kubernetes() -> None:
    validated = set()
    for document in manifests():
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        validated.add(document["kind"])
    assert validated >= EXPECTED_KINDS, f"missing: {EXPECTED_KINDS - validated}"


def test_an_invalid_manifest_is_refused() -> None:
    deployment = one("Deployment")
    probe = deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    probe["timeoutSecond"] = 3  # a typo, which strict validation must catch
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_the_deployment_probes_health_and_reads_its_configuration() -> None:
    deployment = one("Deployment")
    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["command"] == ["python", "-m", "app.cli", "serve"]
    assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
    assert "memory" in container["resources"]["limits"]
    sources = {
        ("ConfigMap", s["configMapRef"]["name"]) if "configMapRef" in s else
        ("Secret", s["secretRef"]["name"])
        for s in container["envFrom"]
    }  # fmt: skip
    assert sources == {
        ("ConfigMap", one("ConfigMap")["metadata"]["name"]),
        ("Secret", one("Secret")["metadata"]["name"]),
    }
    labels = pod["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert one("Service")["spec"]["selector"].items() <= labels.items()
    assert one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items() <= labels.items()
    target = one("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])


def test_the_migration_job_runs_the_migrations_with_the_same_configuration() -> None:
    job = one("Job")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", "app.cli", "migrate"]
    deployment_container = one("Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == deployment_container["envFrom"]
    assert container["image"] == deployment_container["image"]


def test_the_configuration_names_only_settings_the_service_reads() -> None:
    config = one("ConfigMap")["data"]
    secret = one("Secret")["stringData"]
    assert {"DATABASE_URL", "SECRET_KEY"} <= secret.keys()
    assert not config.keys() & {"DATABASE_URL", "SECRET_KEY"}, "secrets belong in the Secret"
    unknown = (config.keys() | secret.keys()) - SETTING_NAMES
    assert not unknown, f"not settings: {unknown}"
    # The ConfigMap's values are what the service would accept.
    Settings.model_validate(
        {k.lower(): v for k, v in {**config, **secret}.items() if k not in UVICORN_VARIABLES}
    )


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def replicas(services: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in services.items()
        if service.get("command") == ["python", "-m", "app.cli", "serve"]
    }


def test_compose_runs_postgresql_the_migrations_once_and_three_replicas() -> None:
    services = compose()["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "-m", "app.cli", "migrate"]
    assert migrate["restart"] == "no"
    api = replicas(services)
    assert len(api) == 3
    for name, service in api.items():
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "ports" not in service, f"{name} must be reached through nginx only"
        environment = service["environment"]
        assert environment.keys() <= SETTING_NAMES
        assert environment["SECRET_KEY"] == api["api-1"]["environment"]["SECRET_KEY"]
    assert services["nginx"]["volumes"] == ["./nginx.conf:/etc/nginx/nginx.conf:ro"]


def test_nginx_balances_over_exactly_the_three_replicas() -> None:
    conf = (DEPLOY / "nginx.conf").read_text()
    upstream = re.search(r"upstream api \{(.*?)\}", conf, re.DOTALL)
    assert upstream is not None
    servers = re.findall(r"^\s*server\s+([\w-]+):(\d+)", upstream.group(1), re.MULTILINE)
    services = compose()["services"]
    api = replicas(services)
    assert sorted(servers) == sorted((name, s["environment"]["PORT"]) for name, s in api.items())
    assert "proxy_pass http://api;" in conf
    # nginx must not replay a POST on another replica by itself.
    (retries,) = re.findall(r"^\s*proxy_next_upstream\s+([^;]*);", conf, re.MULTILINE)
    assert "non_idempotent" not in retries.split()


def test_compose_stays_within_postgresqls_connections() -> None:
    services = compose()["services"]
    command = services["postgres"]["command"]
    max_connections = int(dict(re.findall(r"(\w+)=(\d+)", shlex.join(command)))["max_connections"])
    budget = 0
    for service in replicas(services).values():
        environment = service["environment"]
        workers = int(environment["WEB_CONCURRENCY"])
        budget += workers * connections_per_worker(int(environment["DB_POOL_SIZE"]))
    budget += 1  # the migration one-shot
    assert budget <= max_connections - RESERVED_CONNECTIONS, (budget, max_connections)


def test_the_readme_draft_states_the_kubernetes_budget() -> None:
    hpa = one("HorizontalPodAutoscaler")["spec"]
    config = one("ConfigMap")["data"]
    per_replica = int(config["WEB_CONCURRENCY"]) * connections_per_worker(
        int(config["DB_POOL_SIZE"])
    )
    text = (DEPLOY / "README.md").read_text()
    assert f"{hpa['maxReplicas']} × {per_replica} = {hpa['maxReplicas'] * per_replica}" in text


def test_no_manifest_is_left_out_of_validation() -> None:
    files = {p.name for p in (DEPLOY / "k8s").iterdir()}
    assert files == {p.name for p in (DEPLOY / "k8s").glob("*.yaml")}, "only .yaml files"
    assert Path(DEPLOY / "compose.yaml").exists()
