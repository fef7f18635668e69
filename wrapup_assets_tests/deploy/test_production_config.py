"""The shipped instance files load with Dagster's own config schemas: the top level (storage,
concurrency, run retries) through `dagster_instance_config`, and each pluggable class's section
(the Kubernetes run launcher, the S3 compute logs) through that class's own schema.

Nothing connects: no PostgreSQL, Kubernetes or S3 is needed to check the files.
"""

import importlib
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._config import process_config  # Dagster's own validation of a config dict against a schema
from dagster._core.instance.config import dagster_instance_config

PROJECT = Path(__file__).resolve().parents[2]
PRODUCTION = PROJECT / "deploy" / "dagster.production.yaml"
ENVIRONMENT = {
    "DAGSTER_K8S_NAMESPACE": "wrapup",
    "DAGSTER_COMPUTE_LOG_BUCKET": "wrapup-logs",
}


@pytest.fixture
def production_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


def test_production_instance_validates_and_keeps_the_genesys_pool():
    config, custom_instance_class = dagster_instance_config(str(PRODUCTION.parent), PRODUCTION.name)
    assert custom_instance_class is None
    database = config["storage"]["postgres"]["postgres_db"]
    assert database["password"] == {"env": "DAGSTER_PG_PASSWORD"}  # read at start-up, never in the file
    assert database["scheme"] == "postgresql+psycopg2"  # the driver dagster-postgres installs (not psycopg v3)
    assert config["concurrency"]["pools"]["default_limit"] == 2
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == 8
    assert config["run_retries"] == {"enabled": True, "max_retries": 2}
    assert "run_coordinator" not in config  # the queued run coordinator, Dagster's default, enforces the pool


@pytest.mark.parametrize(
    ("section", "module", "class_name"),
    [
        ("run_launcher", "dagster_k8s", "K8sRunLauncher"),
        ("compute_logs", "dagster_aws.s3.compute_log_manager", "S3ComputeLogManager"),
    ],
)
def test_pluggable_sections_match_their_class_schema(production_environment, section, module, class_name):
    raw = yaml.safe_load(PRODUCTION.read_text())[section]
    assert (raw["module"], raw["class"]) == (module, class_name)
    configurable_class = getattr(importlib.import_module(module), class_name)
    result = process_config(configurable_class.config_type(), raw["config"])
    assert result.success, [error.message for error in result.errors]


def test_the_demo_instance_validates_with_the_same_pool():
    config, _ = dagster_instance_config(str(PROJECT), "dagster.yaml")
    assert config["concurrency"]["pools"]["default_limit"] == 2
    assert config["run_retries"] == {"enabled": True, "max_retries": 2}


ONE_RUN_PER_PARTITION = [{"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 1}]


@pytest.mark.parametrize("instance_file", [PROJECT / "dagster.yaml", PRODUCTION], ids=["demo", "production"])
def test_both_instances_queue_a_second_run_of_a_partition_behind_the_first(instance_file, tmp_path):
    """The run queue the daemon builds from the file (Dagster's own parsing) allows one run per partition key."""
    config = yaml.safe_load(instance_file.read_text())
    config.pop("storage", None)  # no database needed to read the queue settings
    config.pop("run_launcher", None)
    config.pop("compute_logs", None)
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(config))
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        queue = instance.get_concurrency_config().run_queue_config
    assert queue.tag_concurrency_limits == ONE_RUN_PER_PARTITION
