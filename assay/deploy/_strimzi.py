"""Strimzi resources from the contracts and the ACL plan: the cluster, its topics, its users.

The topics carry what ``producers.topics`` creates on the local broker (the contract's
partitions and ``schemas.topic_configs``) with a cluster's replication; the users carry
``pipeline_kafka_grants``, the ACLs ``assay access kafka-apply`` creates, so a change to the
plan reaches both. Strimzi's ``v1`` API (0.49 and later): KRaft with node pools only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from assay.govern.access import KafkaGrant
from schemas import Contract, edge_status, topic_configs, topic_name

API = "kafka.strimzi.io/v1"
REPLICAS = 3  # brokers, each also a controller, and every topic's replication factor
MIN_INSYNC = 2  # an acks=all write survives one broker down
LISTENER_PORT = 9093
ADMIN = "admin"  # super user: topics, ACLs (what `assay access kafka-apply` runs as)


def bootstrap(cluster: str) -> str:
    """The TLS listener's bootstrap service, as clients in the cluster's namespace reach it."""
    return f"{cluster}-kafka-bootstrap:{LISTENER_PORT}"


def kafka(cluster: str) -> dict[str, Any]:
    """The ``Kafka``: SCRAM-SHA-512 over TLS only, simple authorization denying what no ACL
    allows, internal topics replicated like the contract topics."""
    listener = {
        "name": "tls",
        "port": LISTENER_PORT,
        "type": "internal",
        "tls": True,
        "authentication": {"type": "scram-sha-512"},
    }
    config = {
        "default.replication.factor": REPLICAS,
        "min.insync.replicas": MIN_INSYNC,
        "offsets.topic.replication.factor": REPLICAS,
        "transaction.state.log.replication.factor": REPLICAS,
        "transaction.state.log.min.isr": MIN_INSYNC,
        "auto.create.topics.enable": False,
        "message.max.bytes": 10485760,  # the local broker's: a spooled batch fits
    }
    spec = {
        "kafka": {
            "listeners": [listener],
            "authorization": {"type": "simple", "superUsers": [ADMIN]},
            "config": config,
        },
        "entityOperator": {"topicOperator": {}, "userOperator": {}},
    }
    return {"apiVersion": API, "kind": "Kafka", "metadata": {"name": cluster}, "spec": spec}


def node_pool(cluster: str, size: str) -> dict[str, Any]:
    """Three nodes, each a broker and a KRaft controller, metadata on the data volume."""
    volume = {
        "id": 0,
        "type": "persistent-claim",
        "size": size,
        "deleteClaim": False,
        "kraftMetadata": "shared",
    }
    return {
        "apiVersion": API,
        "kind": "KafkaNodePool",
        "metadata": {"name": "nodes", "labels": _cluster_label(cluster)},
        "spec": {
            "replicas": REPLICAS,
            "roles": ["controller", "broker"],
            "storage": {"type": "jbod", "volumes": [volume]},
        },
    }


def topics(cluster: str, contracts: Iterable[Contract]) -> list[dict[str, Any]]:
    """One ``KafkaTopic`` per contract topic, and the edge status reports' topic."""
    made = [_topic(cluster, topic_name(c), c.partitions, topic_configs(c)) for c in contracts]
    status = edge_status.TOPIC, edge_status.PARTITIONS, dict(edge_status.CONFIGS)
    return [*made, _topic(cluster, *status)]


def _topic(cluster: str, name: str, partitions: int, configs: dict[str, str]) -> dict[str, Any]:
    config = {**configs, "min.insync.replicas": str(MIN_INSYNC)}
    return {
        "apiVersion": API,
        "kind": "KafkaTopic",
        "metadata": {"name": resource_name(name), "labels": _cluster_label(cluster)},
        "spec": {
            "topicName": name,
            "partitions": partitions,
            "replicas": REPLICAS,
            "config": config,
        },
    }


def users(cluster: str, grants: Iterable[KafkaGrant]) -> list[dict[str, Any]]:
    """One ``KafkaUser`` per principal of the plan, and the admin (a super user, no ACLs)."""
    grants = list(grants)
    return [
        _user(cluster, name, [g for g in grants if g.principal == name])
        for name in principals(grants)
    ]


def principals(grants: Iterable[KafkaGrant]) -> list[str]:
    """The admin, then every principal the plan grants something, in the plan's order."""
    return list(dict.fromkeys([ADMIN, *(g.principal for g in grants)]))


def _user(cluster: str, name: str, grants: list[KafkaGrant]) -> dict[str, Any]:
    spec: dict[str, Any] = {"authentication": {"type": "scram-sha-512"}}
    if grants:
        spec["authorization"] = {"type": "simple", "acls": [acl(g) for g in grants]}
    return {
        "apiVersion": API,
        "kind": "KafkaUser",
        "metadata": {"name": name, "labels": _cluster_label(cluster)},
        "spec": spec,
    }


def acl(grant: KafkaGrant) -> dict[str, Any]:
    """One grant as a Strimzi ACL rule."""
    resource = {
        "type": grant.resource,
        "name": grant.name,
        "patternType": "prefix" if grant.prefixed else "literal",
    }
    return {"resource": resource, "operations": [grant.operation.capitalize()]}


def resource_name(topic: str) -> str:
    """A Kubernetes name for a topic (``_`` is not allowed there; ``topicName`` keeps it)."""
    return topic.replace("_", "-").lower()


def _cluster_label(cluster: str) -> dict[str, str]:
    return {"strimzi.io/cluster": cluster}
