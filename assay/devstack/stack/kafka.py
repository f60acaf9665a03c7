"""Apache Kafka 4 in KRaft mode: one combined broker and controller, jars from Maven Central."""

from __future__ import annotations

import base64
import re
import uuid
from pathlib import Path

from assay.devstack.stack._service import Prerequisite, Progress, Service
from assay.errors import StackError

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


def server_properties(port: int, controller_port: int, data_dir: Path) -> str:
    """A one-node KRaft configuration bound to loopback."""
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
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
            "",
        ]
    )


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
        config.write_text(server_properties(port, controller_port, self.home / "data"))
        if (self.home / "data" / "meta.properties").exists():
            return
        progress("kafka: formatting KRaft storage")
        args = [
            "format",
            "--standalone",
            "--ignore-formatted",
            "-t",
            random_cluster_id(),
            "-c",
            str(config),
        ]
        fix = f"remove {self.home / 'data'} and run `assay stack up` again"
        try:
            self.run_step(self._java(STORAGE_TOOL, *args), what="formatting storage", fix=fix)
        except StackError as exc:
            if STORAGE_TOOL not in exc.problem:  # the class did not move: a real failure
                raise
            self.run_step(self._java(STORAGE_TOOL_MOVED, *args), what="formatting storage", fix=fix)

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
        """A metadata request that lists this broker."""
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        try:
            admin = KafkaAdminClient(
                bootstrap_servers=self.settings.bootstrap, request_timeout_ms=3000
            )
        except (KafkaError, OSError, ValueError):
            return False
        try:
            return bool(admin.describe_cluster().get("brokers"))
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
