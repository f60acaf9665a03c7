"""The cluster stack's configuration: node ports, KRaft properties, Celery's settings."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from assay.config import Settings
from assay.devstack.stack.airflow import Keys, airflow_config, airflow_services
from assay.devstack.stack.kafka import server_properties
from assay.devstack.stack.kafka_cluster import KafkaNode, kafka_services, quorum_voters


def _props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines())


@given(st.integers(1, 9), st.integers(1024, 50_000))
def test_node_ports_are_distinct_and_listed_in_bootstrap(brokers: int, port: int) -> None:
    settings = Settings(kafka_brokers=brokers, kafka_port=port, kafka_controller_port=port + 1)
    ports = [p for pair in settings.kafka_node_ports for p in pair]
    assert len(set(ports)) == 2 * brokers
    assert settings.bootstrap.split(",") == [f"127.0.0.1:{p}" for p, _ in settings.kafka_node_ports]
    assert settings.kafka_replication == min(brokers, 3)


def test_cluster_node_configuration(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, kafka_brokers=3, kafka_port=13092)
    node = KafkaNode(settings, 1)
    props = _props(server_properties(*node.ports, node.data, None, node.overrides()))
    assert (node.name, node.ports) == ("kafka-2", (13192, 9193))
    assert props["node.id"] == "2"
    assert props["controller.quorum.voters"] == quorum_voters(settings)
    assert "controller.quorum.bootstrap.servers" not in props
    assert props["min.insync.replicas"] == "2"
    assert props["default.replication.factor"] == "3"
    assert props["transaction.state.log.min.isr"] == "2"


def test_one_broker_keeps_the_one_node_configuration(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path)
    [kafka] = kafka_services(settings)
    props = _props(server_properties(*kafka.ports, tmp_path, None))
    assert kafka.name == "kafka"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:9093"
    assert "controller.quorum.voters" not in props


def test_celery_workers_switch_the_executor(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, airflow_workers=2, airflow_db="postgres")
    text = airflow_config(settings, Keys.generate())
    assert "executor = CeleryExecutor" in text
    assert "broker_url = redis://:" in text
    assert "result_backend = db+postgresql+psycopg://" in text
    names = [s.name for s in airflow_services(settings)]
    assert names[:2] == ["postgres", "redis"]
    assert names[-2:] == ["airflow-worker-1", "airflow-worker-2"]


def test_no_workers_keep_the_local_executor(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path)
    text = airflow_config(settings, Keys.generate())
    assert "CeleryExecutor" not in text and "[celery]" not in text
    assert "redis" not in [s.name for s in airflow_services(settings)]
