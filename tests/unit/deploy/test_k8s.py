"""infra/k8s is `assay deploy k8s`'s output: regenerated here, compared, and read back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr

from assay.config import PIPELINE, Settings, role_keys_file
from assay.deploy import Target, _strimzi, k8s_files
from assay.deploy._airflow import INGEST_PASSWORD, RELEASER_PASSWORD, WATCHER_PASSWORD, ca_file
from assay.devstack.stack._airflow_env import airflow_env
from assay.devstack.stack.kafka_auth import INGEST, RELEASER, WATCHER, password_file
from assay.govern.access import pipeline_kafka_grants
from assay.pipeline.airflow import wakeup
from schemas import edge_status, topic_configs, topic_name

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
    status = topics.pop(edge_status.TOPIC)  # the edge status reports': compacted, one partition
    assert status["partitions"] == 1 and status["config"]["cleanup.policy"] == "compact"
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
    assert set(users) == {"admin", "ingest", "watcher", "releaser"}
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
    assert {
        "name": WATCHER_PASSWORD,
        "valueFrom": {"secretKeyRef": {"name": "watcher", "key": "password"}},
    } in extra_env
    connections = {e["name"]: json.loads(e["value"]) for e in extra_env if "value" in e}
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
    refs = [
        e["valueFrom"]["secretKeyRef"]
        for e in yaml.safe_load(chart["extraEnv"])
        if "valueFrom" in e
    ]
    assert {r["name"] for r in refs} == {"assay-s3-pipeline", "ingest", "watcher", "releaser"}
    assert chart["data"]["metadataSecretName"] and chart["fernetKeySecretName"]


def local_stack(tmp_path: Path) -> Settings:
    """A secured local stack's settings and state: the pipeline role's keys, each principal's
    password file, a CA; Kafka where the cluster's is, so the two can be compared."""
    ca = tmp_path / "ca.pem"
    ca.write_text("CA")
    keys = role_keys_file(tmp_path, PIPELINE)
    keys.parent.mkdir(parents=True)
    keys.write_text('access_key = "pipe-key"\nsecret_key = "pipe-secret"\n')
    for user in (INGEST, WATCHER, RELEASER):
        password_file(tmp_path, user).parent.mkdir(parents=True, exist_ok=True)
        password_file(tmp_path, user).write_text(f"{user}-password\n")
    return Settings(
        state_dir=tmp_path,
        contracts_dir=[],
        kafka_bootstrap=_strimzi.bootstrap("assay"),
        kafka_security_protocol="SASL_SSL",
        kafka_username="admin",
        kafka_password=SecretStr("admin-password"),
        kafka_ca_file=ca,
        s3_endpoint="https://s3.plant:9000",
    )


def test_the_tasks_connections_are_the_local_stacks_with_secrets_from_kubernetes(
    tmp_path: Path,
) -> None:
    """Every connection the local stack hands its tasks is in the chart's values, the same
    but for each secret, which Kubernetes fills in from its Secret."""
    stack = local_stack(tmp_path)
    local = airflow_env(stack, {})
    chart = yaml.safe_load(values(stack, Target(s3_endpoint=stack.endpoint))["extraEnv"])
    filled = {
        "$(ASSAY_S3_ACCESS_KEY)": "pipe-key",
        "$(ASSAY_S3_SECRET_KEY)": "pipe-secret",
        f"$({INGEST_PASSWORD})": "ingest-password",
        f"$({WATCHER_PASSWORD})": "watcher-password",
        f"$({RELEASER_PASSWORD})": "releaser-password",
        str(ca_file()): str(tmp_path / "ca.pem"),
    }
    deployed = {}
    for entry in (e for e in chart if e["name"].startswith("AIRFLOW_CONN_")):
        text = entry["value"]
        for reference, value in filled.items():
            text = text.replace(reference, value)
        deployed[entry["name"]] = json.loads(text)
    ours = {k: json.loads(v) for k, v in local.items() if k.startswith("AIRFLOW_CONN_")}
    assert deployed == ours
    assert {"AIRFLOW_CONN_ASSAY_S3", "AIRFLOW_CONN_ASSAY_KAFKA"} <= set(ours)
