"""infra/k8s is `assay deploy k8s`'s output: regenerated here, compared, and read back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from assay.config import Settings
from assay.deploy import Target, _strimzi, k8s_files
from assay.deploy._airflow import WATCHER_PASSWORD
from assay.govern.access import pipeline_kafka_grants
from assay.pipeline.airflow import wakeup
from schemas import topic_configs, topic_name

REPO = Path(__file__).resolve().parents[3]
K8S = REPO / "infra" / "k8s"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path, contracts_dir=[])


def docs(files: dict[str, str], name: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load_all(files[name]))


def test_the_committed_files_are_the_generators_output(settings: Settings) -> None:
    files = k8s_files(settings, Target())
    assert sorted(p.name for p in K8S.iterdir()) == sorted(files), "run `assay deploy k8s`"
    for name, text in files.items():
        assert (K8S / name).read_text(encoding="utf-8") == text, f"{name}: run `assay deploy k8s`"


def test_every_contract_has_its_topic_with_its_partitions_and_retention(
    settings: Settings,
) -> None:
    topics = {
        d["spec"]["topicName"]: d["spec"]
        for d in docs(k8s_files(settings, Target()), "kafka-topics.yaml")
    }
    contracts = list(settings.contracts())
    assert sorted(topics) == sorted(topic_name(c) for c in contracts)
    for contract in contracts:
        spec = topics[topic_name(contract)]
        assert spec["partitions"] == contract.partitions
        assert spec["replicas"] == 3 and spec["config"]["min.insync.replicas"] == "2"
        assert spec["config"]["retention.ms"] == topic_configs(contract)["retention.ms"]


def test_site_contracts_get_topics_and_watchers(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    shipped = (REPO / "schemas" / "contracts" / "energy_meter.yaml").read_text(encoding="utf-8")
    (site / "site_meter.yaml").write_text(shipped.replace("name: energy_meter", "name: site_meter"))
    files = k8s_files(Settings(state_dir=tmp_path, contracts_dir=[site]), Target())
    assert "assay.site_meter.v1" in files["kafka-topics.yaml"]
    assert "AIRFLOW_CONN_ASSAY_KAFKA_SITE_METER" in files["airflow-values.yaml"]


def test_users_carry_the_acl_plan_of_kafka_apply(settings: Settings) -> None:
    users = {
        d["metadata"]["name"]: d["spec"]
        for d in docs(k8s_files(settings, Target()), "kafka-users.yaml")
    }
    assert set(users) == {"admin", "ingest", "watcher"}
    assert "authorization" not in users["admin"]  # a super user of the cluster
    for grant in pipeline_kafka_grants():
        acls = users[grant.principal]["authorization"]["acls"]
        assert _strimzi.acl(grant) in acls
    assert all(u["authentication"] == {"type": "scram-sha-512"} for u in users.values())


def values(settings: Settings, target: Target | None = None) -> dict[str, Any]:
    return docs(k8s_files(settings, target or Target()), "airflow-values.yaml")[0]


def test_each_watcher_connection_is_the_local_stacks_with_the_password_from_a_secret(
    settings: Settings,
) -> None:
    extra_env = yaml.safe_load(values(settings)["extraEnv"])
    assert extra_env[0] == {
        "name": WATCHER_PASSWORD,
        "valueFrom": {"secretKeyRef": {"name": "watcher", "key": "password"}},
    }
    connections = {e["name"]: json.loads(e["value"]) for e in extra_env[1:]}
    for contract in settings.contracts():
        variable = f"AIRFLOW_CONN_{wakeup.connection_id(contract.name).upper()}"
        extra = connections[variable]["extra"]
        assert extra["group.id"] == wakeup.watcher_group(contract.name)
        assert extra["sasl.username"] == "watcher"
        assert extra["sasl.password"] == f"$({WATCHER_PASSWORD})"  # expanded by Kubernetes
        assert extra["bootstrap.servers"] == "assay-kafka-bootstrap:9093"


def test_the_task_environment_reads_back_as_settings(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = {
        e["name"]: e["value"]
        for e in values(settings, Target(s3_endpoint="https://s3.x:9000"))["env"]
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    read = Settings(state_dir=tmp_path)
    assert (read.bootstrap, read.endpoint, read.s3_role) == (
        "assay-kafka-bootstrap:9093",
        "https://s3.x:9000",
        "pipeline",
    )
    assert (read.kafka_security_protocol, read.kafka_username) == ("SASL_SSL", "ingest")
    assert read.kafka_password_file == Path("/opt/assay/kafka/ingest/password")


def test_no_secret_is_written_only_referenced(settings: Settings) -> None:
    text = "\n".join(k8s_files(settings, Target()).values())
    assert "password:" not in text.replace("key: password", "")
    chart = values(settings)
    assert {s["secretName"] for s in chart["secret"]} == {"assay-s3-pipeline"}
    assert chart["data"]["metadataSecretName"] and chart["fernetKeySecretName"]
