"""A three-node KRaft cluster on loopback: every node a broker and a controller.

``assay stack up --cluster`` runs these instead of the one `Kafka` node. Each node is the
same secured broker (SASL_SSL with SCRAM for clients, mutual TLS between controllers, the
same CA, principals and ACLs), with its own id, ports and data; the three controllers form a
static quorum (``controller.quorum.voters``), so any one may die and the other two elect a
leader. Topics are replicated three times and a write needs two in-sync replicas
(``min.insync.replicas=2``): an ``acks=all`` producer keeps its guarantee with a node down.

Node ``i`` (0-based) is named ``kafka-<i+1>`` and listens on ``kafka_port + 100*i`` (clients)
and ``kafka_controller_port + 100*i`` (controller), as `Settings.kafka_node_ports` says.
"""

from __future__ import annotations

import json

from assay.config import Settings
from assay.devstack.stack import kafka_auth
from assay.devstack.stack._service import Progress, Service
from assay.devstack.stack.kafka import Kafka, cluster_id_arg, random_cluster_id

#: In-sync replicas an ``acks=all`` write needs: one node may be down.
MIN_INSYNC = 2


def quorum_voters(settings: Settings) -> str:
    """``controller.quorum.voters``: ``id@host:port`` of every node."""
    ports = settings.kafka_node_ports
    return ",".join(f"{i + 1}@127.0.0.1:{c}" for i, (_, c) in enumerate(ports))


def replication_overrides(replicas: int) -> dict[str, str | None]:
    """Replication of the internal topics and of topics created without a factor."""
    insync = str(min(MIN_INSYNC, replicas))
    return {
        "default.replication.factor": str(replicas),
        "min.insync.replicas": insync,
        "offsets.topic.replication.factor": str(replicas),
        "transaction.state.log.replication.factor": str(replicas),
        "transaction.state.log.min.isr": insync,
        "share.coordinator.state.topic.replication.factor": str(replicas),
        "share.coordinator.state.topic.min.isr": insync,
        # Leaders move back to their preferred node soon after it returns.
        "leader.imbalance.check.interval.seconds": "30",
    }


class KafkaNode(Kafka):
    """One node of the local cluster."""

    def __init__(self, settings: Settings, index: int) -> None:
        super().__init__(settings)
        self.index = index
        self.node_id = index + 1
        self.name = f"kafka-{self.node_id}"

    @property
    def ports(self) -> tuple[int, ...]:
        return self.settings.kafka_node_ports[self.index]

    def overrides(self) -> dict[str, str | None]:
        return {
            "node.id": str(self.node_id),
            "controller.quorum.bootstrap.servers": None,
            "controller.quorum.voters": quorum_voters(self.settings),
            **replication_overrides(self.settings.kafka_replication),
        }

    def quorum_args(self) -> list[str]:
        """The static quorum of the voters in the configuration, one cluster id for all."""
        return [cluster_id_arg(cluster_id(self.settings))]


def cluster_id(settings: Settings) -> str:
    """The cluster's id, made once in ``kafka/cluster-id``: every node formats with it."""
    path = kafka_auth.kafka_home(settings.state_dir) / "cluster-id"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        kafka_auth.write_secret(path, random_cluster_id())
    return path.read_text(encoding="utf-8").strip()


def kafka_services(settings: Settings) -> list[Service]:
    """The one broker of the default stack, or every node of a cluster."""
    if settings.kafka_brokers == 1:
        return [Kafka(settings)]
    return [KafkaNode(settings, i) for i in range(settings.kafka_brokers)]


def start_together(nodes: list[Service], progress: Progress) -> None:
    """Start every node, then wait for each: a quorum answers only once a majority runs."""
    started = [(node, node.start(progress)) for node in nodes]
    for node, record in started:
        if record is not None:
            node.await_ready(record, progress)


def quorum_leader(nodes: list[KafkaNode]) -> KafkaNode | None:
    """The node the controllers last elected leader (the active controller), as the nodes'
    own ``quorum-state`` files say: the newest epoch wins, read without a client."""
    seen: dict[int, tuple[int, int]] = {}
    for node in nodes:
        path = node.data / "__cluster_metadata-0" / "quorum-state"
        try:
            state = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if state.get("leaderId", -1) >= 0:
            seen[node.node_id] = (int(state["leaderEpoch"]), int(state["leaderId"]))
    if not seen:
        return None
    leader = max(seen.values())[1]
    return next((n for n in nodes if n.node_id == leader), None)
