"""The image and the Helm values, tested as far as this machine can without Docker or Kubernetes.

* the Dockerfile: slim Python 3.11, a non-root user, the project with its production extra and
  without its dev extra; its install step runs in a clean virtual environment (soak: minutes);
* its entry point, and the chart's user-deployment command built from deploy/values.yaml, start the
  gRPC code server, which answers `dagster api grpc-health-check`;
* deploy/values.yaml uses only keys the dagster/dagster chart documents (CHART_KEYS below, from
  the chart's values.schema.json and its concurrency schema: deploy/README.md names the source),
  and says what deploy/dagster.production.yaml says.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import yaml

from wrapup_assets_tests.dagster_dev_server import free_port

PROJECT = Path(__file__).resolve().parents[2]
DOCKERFILE = PROJECT / "Dockerfile"
VALUES = yaml.safe_load((PROJECT / "deploy" / "values.yaml").read_text())
PRODUCTION = yaml.safe_load((PROJECT / "deploy" / "dagster.production.yaml").read_text())
BIN = Path(sys.executable).parent
ANY = None  # a free-form value in the chart's schema (Kubernetes objects, env lists, ...)

# The chart's documented keys that deploy/values.yaml may use (a subset of the chart's schema).
IMAGE = {"repository": ANY, "tag": ANY, "pullPolicy": ANY}
CHART_KEYS = {
    "global": {"serviceAccountName": ANY, "postgresqlSecretName": ANY, "dagsterHome": ANY},
    "dagster-user-deployments": {
        "enabled": ANY,
        "deployments": [
            {
                "name": ANY,
                "image": IMAGE,
                "dagsterApiGrpcArgs": ANY,
                "codeServerArgs": ANY,
                "port": ANY,
                "includeConfigInLaunchedRuns": {"enabled": ANY},
                "env": ANY,
                "envConfigMaps": ANY,
                "envSecrets": ANY,
                "resources": ANY,
                "annotations": ANY,
                "labels": ANY,
            }
        ],
    },
    "postgresql": {
        "enabled": ANY,
        "postgresqlHost": ANY,
        "postgresqlUsername": ANY,
        "postgresqlDatabase": ANY,
        "postgresqlParams": ANY,
        "postgresqlScheme": ANY,
        "service": {"port": ANY},
    },
    "generatePostgresqlPasswordSecret": ANY,
    "runLauncher": {
        "type": ANY,
        "config": {
            "k8sRunLauncher": {
                "envSecrets": ANY,
                "envConfigMaps": ANY,
                "envVars": ANY,
                "resources": ANY,
                "runK8sConfig": {"containerConfig": ANY, "podSpecConfig": ANY, "jobSpecConfig": ANY},
                "jobNamespace": ANY,
                "loadInclusterConfig": ANY,
            }
        },
    },
    "dagsterDaemon": {
        "runCoordinator": {
            "enabled": ANY,
            "type": ANY,
            "config": {"queuedRunCoordinator": {"maxConcurrentRuns": ANY, "tagConcurrencyLimits": ANY}},
        },
        "runRetries": {"enabled": ANY, "maxRetries": ANY},
        "runMonitoring": ANY,
    },
    "concurrency": {
        "enabled": ANY,
        "pools": {"defaultLimit": ANY, "granularity": ANY, "opGranularityRunBuffer": ANY},
        "runs": {"maxConcurrentRuns": ANY, "tagConcurrencyLimits": [{"key": ANY, "value": ANY, "limit": ANY}]},
    },
    "computeLogManager": {
        "type": ANY,
        "config": {"s3ComputeLogManager": {"bucket": ANY, "prefix": ANY, "region": ANY}},
    },
    "telemetry": {"enabled": ANY},
}


def undocumented_keys(values: object, documented: object, path: str = "") -> list[str]:
    """The paths in `values` that `documented` does not have."""
    if documented is ANY:
        return []
    if isinstance(documented, list):
        return [key for item in values for key in undocumented_keys(item, documented[0], f"{path}[]")]
    if not isinstance(values, dict):
        return [f"{path} (expected a mapping)"]
    found = []
    for key, value in values.items():
        if key not in documented:
            found.append(f"{path}.{key}".lstrip("."))
        else:
            found += undocumented_keys(value, documented[key], f"{path}.{key}")
    return found


def test_values_use_only_the_charts_documented_keys():
    assert undocumented_keys(VALUES, CHART_KEYS) == []
    assert undocumented_keys({"postgresql": {"postgresqlPort": 1}}, CHART_KEYS) == ["postgresql.postgresqlPort"]


def test_values_say_what_the_production_instance_file_says():
    pools, runs = PRODUCTION["concurrency"]["pools"], PRODUCTION["concurrency"]["runs"]
    concurrency = VALUES["concurrency"]
    assert concurrency["enabled"] is True
    assert (concurrency["pools"]["defaultLimit"], concurrency["pools"]["granularity"]) == (
        pools["default_limit"],
        pools["granularity"],
    )
    assert concurrency["runs"]["maxConcurrentRuns"] == runs["max_concurrent_runs"]
    assert concurrency["runs"]["tagConcurrencyLimits"] == runs["tag_concurrency_limits"]
    assert VALUES["dagsterDaemon"]["runRetries"] == {
        "enabled": PRODUCTION["run_retries"]["enabled"],
        "maxRetries": PRODUCTION["run_retries"]["max_retries"],
    }
    assert VALUES["dagsterDaemon"]["runCoordinator"]["type"] == "QueuedRunCoordinator"
    assert VALUES["runLauncher"]["type"] == "K8sRunLauncher"
    assert VALUES["postgresql"]["postgresqlScheme"] == PRODUCTION["storage"]["postgres"]["postgres_db"]["scheme"]
    (deployment,) = VALUES["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "wrapup_assets.definitions"]
    assert not any(re.search(r"SECRET|PASSWORD", json.dumps(entry)) for entry in deployment["env"])


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0], line.split(None, 1)[1]) for line in lines]


def pip_install_arguments() -> list[str]:
    (command,) = [args for name, args in dockerfile_instructions() if name == "RUN" and "pip install" in args]
    arguments = shlex.split(command)
    return arguments[arguments.index("install") + 1 :]


def test_dockerfile_is_slim_python_non_root_with_the_production_extra_only():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    (user,) = [args for name, args in instructions if name == "USER"]
    assert user not in ("root", "0")
    requirement = [argument for argument in pip_install_arguments() if argument.startswith(".")]
    assert requirement == [".[production]"]
    extras = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(requirement.startswith("dagster-postgres") for requirement in extras["production"])


def image_command() -> list[str]:
    (cmd,) = [args for name, args in dockerfile_instructions() if name == "CMD"]
    return json.loads(cmd)


def chart_command() -> list[str]:
    """What the chart's user deployment runs: `dagster api grpc -h 0.0.0.0 -p <port> <dagsterApiGrpcArgs>`."""
    (deployment,) = VALUES["dagster-user-deployments"]["deployments"]
    port = str(deployment["port"])
    return ["dagster", "api", "grpc", "-h", "0.0.0.0", "-p", port, *deployment["dagsterApiGrpcArgs"]]


def on_loopback(command: list[str], port: int) -> list[str]:
    """The command with its host on loopback and its port free here."""
    arguments = list(command)
    arguments[arguments.index("-h") + 1] = "127.0.0.1"
    arguments[arguments.index("-p") + 1] = str(port)
    return arguments


def serve_and_check_health(command: list[str], bin_dir: Path, home: Path) -> None:
    port = free_port()
    arguments = on_loopback(command, port)
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GENESYS_", "WRAPUP_"))},
        "DAGSTER_HOME": str(home),
    }
    server = subprocess.Popen(
        [str(bin_dir / arguments[0]), *arguments[1:]],
        cwd=home,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            health = subprocess.run(
                [str(bin_dir / "dagster"), "api", "grpc-health-check", "-p", str(port), "-h", "127.0.0.1"],
                capture_output=True,
                text=True,
                env=environment,
            )
            if health.returncode == 0:
                break
            assert server.poll() is None, f"{arguments} exited with {server.returncode}"
            assert time.monotonic() < deadline, health.stdout + health.stderr
            time.sleep(1)
    finally:
        server.terminate()
        server.wait(timeout=60)


@pytest.mark.parametrize("command", [image_command(), chart_command()], ids=["image-cmd", "chart-user-deployment"])
def test_the_entry_point_serves_the_code_location_over_grpc(command: list[str], tmp_path: Path):
    serve_and_check_health(command, BIN, tmp_path)


@pytest.mark.soak  # a clean install of ~110 wheels: minutes, even from a warm pip cache
def test_the_dockerfile_install_step_works_in_a_clean_virtual_environment(tmp_path: Path):
    context = tmp_path / "context"  # what the Dockerfile COPYs, nothing else
    context.mkdir()
    for name in ("pyproject.toml", "README.md", "workspace.yaml"):
        shutil.copy(PROJECT / name, context / name)
    shutil.copytree(PROJECT / "wrapup_assets", context / "wrapup_assets", ignore=shutil.ignore_patterns("__pycache__"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    arguments = [argument for argument in pip_install_arguments() if argument != "--no-cache-dir"]
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    subprocess.run([*pip, "install", "--quiet", *arguments], cwd=context, check=True)
    listed = subprocess.run([*pip, "list", "--format=json"], capture_output=True)
    installed = {package["name"].lower() for package in json.loads(listed.stdout)}
    assert {"wrapup-assets", "dagster-postgres", "dagster-k8s", "psycopg2-binary"} <= installed
    assert not installed & {"pytest", "ruff", "moto", "duckdb"}  # no dev extra in the image
    serve_and_check_health(image_command(), venv / "bin", tmp_path)
