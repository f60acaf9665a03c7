"""Apache Kafka 4 in KRaft mode: one combined broker and controller, jars from Maven Central.

Secured unless the settings say PLAINTEXT (``assay stack up --insecure``): the client listener
speaks SASL_SSL with SCRAM-SHA-512 and the broker's certificate (`kafka_tls`); the controller
listener, on loopback, takes only TLS clients that present a certificate of the stack's CA, so
nothing else on the machine can talk to the controller (whose API can alter ACLs and users).
StandardAuthorizer denies what no ACL allows; ``admin`` and the broker itself are super users.
Principals are added with their SCRAM credentials when the storage is formatted (`kafka_auth`).
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from assay.devstack.stack import kafka_auth
from assay.devstack.stack._service import Prerequisite, Progress, Service
from assay.devstack.stack.kafka_tls import TlsFiles, ensure_tls
from assay.errors import StackError
from schemas.kafka_security import kafka_python_security

POM = Path(__file__).resolve().parents[3] / "infra" / "kafka" / "pom.xml"
STORAGE_TOOL = "kafka.tools.StorageTool"
STORAGE_TOOL_MOVED = "org.apache.kafka.tools.StorageTool"  # where later releases may move it
_KAFKA_JAR = re.compile(r"kafka_2\.13-(?P<version>[\d.]+)\.jar")


def pom_versions(pom: Path = POM) -> dict[str, str]:
    """The ``<properties>`` of the broker pom: ``kafka.version``, ``slf4j.version``."""
    return dict(re.findall(r"<([\w.]+\.version)>([^<]+)</", pom.read_text()))


def random_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def cluster_id_arg(cluster_id: str) -> str:
    """The storage tool's cluster-id option as one token: an id may start with '-' (base64url),
    which argparse would take for an option if it stood alone."""
    return f"--cluster-id={cluster_id}"


def server_properties(
    port: int,
    controller_port: int,
    data_dir: Path,
    secure: SecureBroker | None = None,
    overrides: dict[str, str | None] | None = None,
) -> str:
    """A one-node KRaft configuration bound to loopback; secured when ``secure`` is given.

    ``overrides`` set (or, with ``None``, drop) properties: a cluster node's id, voters and
    replication (`kafka_cluster`)."""
    listeners = secure.listeners(port, controller_port) if secure else _plain(port, controller_port)
    lines = _one_node(listeners, controller_port, data_dir)
    props = dict(line.split("=", 1) for line in lines)
    for key, value in (overrides or {}).items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    return "".join(f"{key}={value}\n" for key, value in props.items())


def _one_node(listeners: list[str], controller_port: int, data_dir: Path) -> list[str]:
    return [
        "process.roles=broker,controller",
        "node.id=1",
        *listeners,
        "controller.listener.names=CONTROLLER",
        f"controller.quorum.bootstrap.servers=127.0.0.1:{controller_port}",
        f"log.dirs={data_dir}",
        # One node: every internal topic at replication factor 1.
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "num.partitions=1",
        "auto.create.topics.enable=false",
        "group.initial.rebalance.delay.ms=0",
        "message.max.bytes=10485760",
    ]


def _plain(port: int, controller_port: int) -> list[str]:
    return [
        f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    ]


@dataclass(frozen=True)
class SecureBroker:
    """What a secured broker needs: its TLS files and its own SCRAM password."""

    tls: TlsFiles
    broker_password: str = field(repr=False)

    def listeners(self, port: int, controller_port: int) -> list[str]:
        """SASL_SSL for clients, mutual TLS for the controller, ACLs for everyone else."""
        scram = kafka_auth.MECHANISM
        jaas = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{kafka_auth.BROKER}" password="{self.broker_password}";'
        )
        return [
            f"listeners=CLIENT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
            f"advertised.listeners=CLIENT://127.0.0.1:{port}",
            "listener.security.protocol.map=CLIENT:SASL_SSL,CONTROLLER:SSL",
            "inter.broker.listener.name=CLIENT",
            f"sasl.enabled.mechanisms={scram}",
            f"sasl.mechanism.inter.broker.protocol={scram}",
            f"listener.name.client.{scram.lower()}.sasl.jaas.config={jaas}",
            "ssl.keystore.type=PEM",
            f"ssl.keystore.location={self.tls.broker}",
            "ssl.truststore.type=PEM",
            f"ssl.truststore.location={self.tls.ca}",
            "listener.name.controller.ssl.client.auth=required",
            # The broker's certificate (CN=broker) is the principal User:broker there.
            "ssl.principal.mapping.rules=RULE:^CN=([^,]+)$/$1/,DEFAULT",
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found=false",
            f"super.users=User:{kafka_auth.ADMIN};User:{kafka_auth.BROKER}",
        ]


class Kafka(Service):
    """The Kafka broker of the local stack."""

    name = "kafka"
    prerequisites = (
        Prerequisite(
            "java", "install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)"
        ),
        Prerequisite("mvn", "install Maven (Debian: apt-get install maven)"),
    )
    ready_timeout = 120.0

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.kafka_port, self.settings.kafka_controller_port)

    @property
    def libs(self) -> Path:
        """The cached jars of this broker version."""
        return self.settings.cache_dir.expanduser() / f"kafka-{pom_versions()['kafka.version']}"

    #: The KRaft ``node.id``.
    node_id = 1

    def provision(self, progress: Progress) -> None:
        if any(self.libs.glob("kafka_2.13-*.jar")):
            return
        progress(f"kafka: fetching the broker jars from Maven Central into {self.libs} (once)")
        staging = self.libs.with_name(self.libs.name + ".partial")
        cmd = [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
            "-DincludeScope=runtime",
        ]
        self.run_step(
            cmd,
            what="fetching the broker with Maven",
            fix="check that Maven Central is reachable, then run `assay stack up` again",
        )
        staging.rename(self.libs)

    def prepare(self, progress: Progress) -> None:
        config = self.home / "server.properties"
        port, controller_port = self.ports
        passwords = kafka_auth.ensure_passwords(self.settings.state_dir)
        secure = self._secure(passwords)
        text = server_properties(port, controller_port, self.data, secure, self.overrides())
        kafka_auth.write_secret(config, text.rstrip("\n"))  # holds the broker's password
        if (self.data / "meta.properties").exists():
            return
        progress(f"{self.name}: formatting KRaft storage with the SCRAM principals")
        args = ["format", *self.quorum_args(), "--ignore-formatted"]
        args += ["-c", str(config), *_scram_args(passwords)]
        fix = f"remove {self.data} and run `assay stack up` again"
        try:
            self.run_step(self._java(STORAGE_TOOL, *args), what="formatting storage", fix=fix)
        except StackError as exc:
            if STORAGE_TOOL not in exc.problem:  # the class did not move: a real failure
                raise
            self.run_step(self._java(STORAGE_TOOL_MOVED, *args), what="formatting storage", fix=fix)
        self._principals_marker.write_text(" ".join(passwords) + "\n")

    def overrides(self) -> dict[str, str | None]:
        """Properties that differ from the one-node configuration (none here)."""
        return {}

    def quorum_args(self) -> list[str]:
        """How the storage tool forms the quorum: this node alone, a fresh cluster id."""
        return ["--standalone", cluster_id_arg(random_cluster_id())]

    @property
    def data(self) -> Path:
        """The broker's log and metadata folder."""
        return self.home / "data"

    @property
    def _principals_marker(self) -> Path:
        """Written after formatting with ``--add-scram``: the storage knows the principals."""
        return self.home / "scram-principals"

    def _secure(self, passwords: dict[str, str]) -> SecureBroker | None:
        protocol = self.settings.kafka_security_protocol
        if protocol == "PLAINTEXT":
            return None
        if protocol != "SASL_SSL":
            raise StackError(
                self.name,
                f"the local broker runs SASL_SSL or PLAINTEXT, not {protocol}",
                "set kafka_security_protocol to SASL_SSL (the default of `assay stack up`)",
            )
        if (self.data / "meta.properties").exists() and not self._principals_marker.exists():
            raise StackError(
                self.name,
                f"the broker's storage {self.data} was formatted without SCRAM principals",
                f"remove {self.data} (the local broker's data) and run `assay stack up` again,"
                " or keep it with `assay stack up --insecure`",
            )
        # One CA and broker certificate for every node: clients trust ``kafka/tls/ca.pem``.
        tls = ensure_tls(kafka_auth.kafka_home(self.settings.state_dir) / "tls")
        return SecureBroker(tls, passwords[kafka_auth.BROKER])

    def argv(self) -> list[str]:
        return self._java("kafka.Kafka", str(self.home / "server.properties"))

    def env(self) -> dict[str, str]:
        env = super().env()
        env.pop("KAFKA_HEAP_OPTS", None)
        return env

    def _java(self, main: str, *args: str) -> list[str]:
        heap = self.settings.kafka_heap
        return [
            "java",
            f"-Xmx{heap}",
            f"-Xms{heap}",
            "-XX:+UseG1GC",
            "-cp",
            f"{self.libs}/*",
            main,
            *args,
        ]

    def probe(self) -> bool:
        """A metadata request that lists this broker, made as the settings' principal."""
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        security = kafka_python_security(self.settings.kafka_security())
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=f"127.0.0.1:{self.ports[0]}", request_timeout_ms=3000, **security
            )
        except (KafkaError, OSError, ValueError):
            return False
        try:
            brokers = admin.describe_cluster().get("brokers") or []
            return any(b.get("broker_id") == self.node_id for b in brokers)
        except (KafkaError, OSError):
            return False
        finally:
            admin.close()

    def version(self) -> str:
        for jar in self.libs.glob("kafka_2.13-*.jar"):
            if match := _KAFKA_JAR.fullmatch(jar.name):
                return f"Apache Kafka {match['version']} (KRaft)"
        return "not provisioned"

    def exports(self) -> dict[str, str]:
        return {"ASSAY_KAFKA_BOOTSTRAP": self.settings.bootstrap}


def _scram_args(passwords: dict[str, str]) -> list[str]:
    """``--add-scram`` for every principal: the broker knows them before it first listens."""
    scram = kafka_auth.MECHANISM
    out: list[str] = []
    for user, password in passwords.items():
        out += ["--add-scram", f"{scram}=[name={user},password={password}]"]
    return out
