"""docker-compose.yml: the service, volumes, port, health check, restart policy and the joinable network.

No Docker engine here: the file is checked as YAML (and with `docker compose config` where the plugin exists)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from ai_trader.settings import Settings

from .helpers import COMPOSE, ROOT
from .probe_server import health_server


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def service(compose) -> dict:
    return compose["services"]["ai-trader"]


def test_builds_this_directory_and_reads_dotenv(service):
    build = service["build"]
    assert (build if isinstance(build, str) else build["context"]) == "."
    assert service["env_file"] in (".env", [".env"])


def test_mounts_data_and_configs_and_publishes_8080(service):
    assert set(service["volumes"]) == {"./data:/app/data", "./configs:/app/configs"}
    assert service["ports"] == ["8080:8080"]
    env = service["environment"]
    assert env["DATA_DIR"] == "/app/data" and env["CONFIGS_DIR"] == "/app/configs"
    assert str(env["API_PORT"]) == "8080" and env["API_HOST"] == "0.0.0.0"


def test_restarts_unless_stopped_and_waits_for_a_clean_stop(service):
    assert service["restart"] == "unless-stopped"
    seconds = int(service["stop_grace_period"].rstrip("s"))
    assert seconds >= 10 + 5, "longer than SHUTDOWN_GRACE_SECONDS + the supervisor's 5 s"


def test_network_has_a_fixed_name_other_projects_can_join(compose, service):
    assert service["networks"] == ["ai-trader-net"]
    net = compose["networks"]["ai-trader-net"]
    assert net["name"] == "ai-trader-net" and not net.get("external")


def test_healthcheck_every_30s(service):
    hc = service["healthcheck"]
    assert hc["interval"] == "30s"
    assert hc["test"][0] == "CMD" and "/health" in " ".join(hc["test"])


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_healthcheck_command_follows_the_health_status(service, status, healthy):
    argv = service["healthcheck"]["test"][1:]
    assert argv[0] == "python"
    with health_server(status) as (port, seen):
        code = argv[-1].replace("127.0.0.1:8080", f"127.0.0.1:{port}")
        run = subprocess.run([sys.executable, *argv[1:-1], code], check=False, capture_output=True, timeout=30)
    assert seen == ["/health"]
    assert (run.returncode == 0) is healthy, run.stderr


def _compose_plugin() -> bool:
    if not shutil.which("docker"):
        return False
    return (
        subprocess.run(["docker", "compose", "version"], check=False, capture_output=True, timeout=30).returncode == 0
    )


@pytest.mark.skipif(not _compose_plugin(), reason="the docker compose plugin is not installed here")
def test_docker_compose_config_accepts_the_file(tmp_path):
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text())
    run = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "--env-file", str(env), "config", "--quiet"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ},
    )
    assert run.returncode == 0, run.stderr


def test_deploy_docs_name_the_network_service_and_port_of_the_compose_file(compose):
    docs = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    (net,) = compose["networks"].values()
    assert f"{net['name']}:\n    external: true" in docs
    assert "http://ai-trader:8080" in docs and "ai-trader" in compose["services"]


PROFILED = {"postgres", "api", "worker"}


def _env(service: dict) -> dict[str, str]:
    """The service's environment with compose's `${NAME:-default}` interpolation resolved to the defaults."""
    return {k: re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(v)) for k, v in service["environment"].items()}


def test_the_postgres_profile_adds_its_services_and_plain_up_stays_the_one_sqlite_container(compose, service):
    assert "profiles" not in service
    assert set(compose["services"]) == {"ai-trader", *PROFILED}
    for name in PROFILED:
        assert compose["services"][name]["profiles"] == ["postgres"], name


def test_postgres_is_the_official_image_with_a_health_check_and_a_volume(compose):
    pg = compose["services"]["postgres"]
    assert pg["image"].split(":")[0] == "postgres"
    assert "pg_isready" in pg["healthcheck"]["test"]
    (volume,) = pg["volumes"]
    name, target = volume.split(":")
    assert target == "/var/lib/postgresql/data" and name in compose["volumes"]


def test_the_api_and_the_workers_share_the_postgres_store_and_only_the_workers_run_model_days(compose):
    pg_env = _env(compose["services"]["postgres"])
    api, worker = compose["services"]["api"], compose["services"]["worker"]
    url = f"postgresql://{pg_env['POSTGRES_USER']}:{pg_env['POSTGRES_PASSWORD']}@postgres:5432/{pg_env['POSTGRES_DB']}"
    for svc in (api, worker):
        assert _env(svc)["DATABASE_URL"] == url
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert svc["volumes"] == service_volumes(compose)
    api_settings = Settings(_env_file=None, **{k.lower(): v for k, v in _env(api).items()})
    worker_settings = Settings(_env_file=None, **{k.lower(): v for k, v in _env(worker).items()})
    assert api_settings.worker_enabled is False and worker_settings.worker_enabled is True
    assert api_settings.database_url == worker_settings.database_url == url
    assert api["ports"] == ["8080:8080"] and "ai-trader" in api["networks"]["ai-trader-net"]["aliases"]


def test_the_worker_runs_ai_trader_worker_and_can_be_scaled(compose):
    worker = compose["services"]["worker"]
    assert worker["command"] == ["ai-trader", "worker"]  # the entrypoint execs its arguments
    assert "ports" not in worker and "container_name" not in worker  # --scale worker=4 needs neither
    assert worker["healthcheck"] == {"disable": True}  # no HTTP in a worker: the image's /health check would fail
    assert worker["restart"] == "unless-stopped" and int(worker["stop_grace_period"].rstrip("s")) >= 15


def test_readme_and_deploy_docs_give_the_scale_out_command(compose):
    command = "docker compose --profile postgres up -d --build --scale worker=4 api worker"
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")
    assert command in (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")


def service_volumes(compose) -> list[str]:
    return compose["services"]["ai-trader"]["volumes"]
