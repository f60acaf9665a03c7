"""Kafka's ACL plan: each principal gets what its client needs and nothing a neighbour owns."""

from __future__ import annotations

from confluent_kafka.admin import AclOperation, ResourcePatternType, ResourceType

from assay.govern.access import gateway_kafka_grants, pipeline_kafka_grants, stack_kafka_grants
from assay.govern.access._kafka import _binding
from assay.pipeline.airflow.wakeup import watcher_group
from assay.pipeline.ingest.consumer import ingest_group
from schemas import ContractRegistry, edge_status, topic_name


def may(grants: list, principal: str, operation: str, resource: str, name: str) -> bool:
    """Whether ``grants`` let ``principal`` do ``operation`` on the resource ``name``."""
    return any(
        g.principal == principal
        and g.operation == operation
        and g.resource == resource
        and (name.startswith(g.name) if g.prefixed else name == g.name)
        for g in grants
    )


def test_the_pipeline_reads_every_contract_topic_in_its_own_groups_only() -> None:
    grants = pipeline_kafka_grants()
    for contract in ContractRegistry.shipped():
        topic = topic_name(contract)
        for principal in ("ingest", "watcher"):
            assert may(grants, principal, "read", "topic", topic)
            assert not may(grants, principal, "write", "topic", topic)
        assert may(grants, "ingest", "read", "group", ingest_group(contract.name))
        assert may(grants, "watcher", "read", "group", watcher_group(contract.name))
        assert not may(grants, "watcher", "read", "group", ingest_group(contract.name))
        assert not may(grants, "ingest", "read", "group", watcher_group(contract.name))


def test_the_demo_edge_writes_and_joins_no_group() -> None:
    grants = stack_kafka_grants()
    for contract in ContractRegistry.shipped():
        assert may(grants, "edge-demo", "write", "topic", topic_name(contract))
        assert not may(grants, "edge-demo", "read", "topic", topic_name(contract))
        assert not may(grants, "edge-demo", "read", "group", ingest_group(contract.name))


def test_a_gateway_writes_exactly_its_topics() -> None:
    grants = gateway_kafka_grants("edge-gw-1", ["assay.energy_meter.v1"])
    assert may(grants, "edge-gw-1", "write", "topic", "assay.energy_meter.v1")
    assert not may(grants, "edge-gw-1", "write", "topic", "assay.energy_meter.v10")
    assert not may(grants, "edge-gw-1", "write", "topic", "assay.machine_condition.v1")


def test_every_grant_is_a_valid_acl_binding() -> None:
    grants = [*stack_kafka_grants(), *gateway_kafka_grants("gw", ["assay.x.v1"])]
    bindings = [_binding(g) for g in grants]
    assert {b.restype for b in bindings} == {ResourceType.TOPIC, ResourceType.GROUP}
    assert {b.operation for b in bindings} == {
        AclOperation.READ,
        AclOperation.WRITE,
        AclOperation.DESCRIBE,
    }
    assert {b.resource_pattern_type for b in bindings} == {
        ResourcePatternType.PREFIXED,
        ResourcePatternType.LITERAL,
    }
    assert all(b.principal.startswith("User:") for b in bindings)


def test_gateways_write_the_status_topic_and_only_the_releaser_reads_it() -> None:
    """Least privilege for the edge status reports (``schemas.edge_status``)."""
    grants = [*stack_kafka_grants(), *gateway_kafka_grants("edge-gw-1", ["assay.x.v1"])]
    status = edge_status.TOPIC
    assert may(grants, "edge-gw-1", "write", "topic", status)
    assert may(grants, "edge-demo", "write", "topic", status)
    assert may(grants, "releaser", "read", "topic", status)
    readers = {g.principal for g in grants if may([g], g.principal, "read", "topic", status)}
    writers = {g.principal for g in grants if may([g], g.principal, "write", "topic", status)}
    assert (readers, writers) == ({"releaser"}, {"edge-demo", "edge-gw-1"})


def test_the_releaser_describes_offsets_and_reads_no_readings() -> None:
    grants = pipeline_kafka_grants()
    for contract in ContractRegistry.shipped():
        topic, group = topic_name(contract), ingest_group(contract.name)
        assert may(grants, "releaser", "describe", "topic", topic)
        assert may(grants, "releaser", "describe", "group", group)
        assert not may(grants, "releaser", "read", "topic", topic)
        assert not may(grants, "releaser", "read", "group", group)
