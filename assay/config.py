"""One settings object for the stack, the DAG tasks and the edge producer.

Values come from, highest priority first:

1. keyword arguments (tests),
2. environment variables ``ASSAY_*`` (``ASSAY_KAFKA_BOOTSTRAP``, ``ASSAY_S3_ENDPOINT`` …),
3. a TOML file: ``$ASSAY_CONFIG`` or ``./assay.toml``,
4. the file ``assay stack up`` writes into the state folder (``<state>/stack.toml``),
   which holds the ports of the local stack,
5. the defaults below.

S3 keys are chosen per use: one configured pair (``ASSAY_S3_ACCESS_KEY`` and
``ASSAY_S3_SECRET_KEY``) is the one identity of this machine and serves every use (a
deployment's Airflow worker, a pilot base); without it, each use names a role and its keys
come from ``<state>/access/<role>.toml``, which ``assay stack up`` and ``assay access apply``
write (root for the stack's own set-up, pipeline for tasks, releaser for releases, steward
for read-only commands).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from assay.errors import ConfigError
from schemas.kafka_security import KafkaSecurity, Mechanism, Protocol

if TYPE_CHECKING:
    from schemas import ContractRegistry

ENV_PREFIX = "ASSAY_"
STACK_FILE = "stack.toml"
#: Port distance between the local stack's Kafka nodes (`Settings.kafka_node_ports`).
KAFKA_PORT_STEP = 100
ACCESS_DIR = "access"

#: S3 roles. Root is the server's own account: only `assay stack up` and `assay access apply`.
ROOT, EDGE, PIPELINE, RELEASER, STEWARD = "root", "edge", "pipeline", "releaser", "steward"
PILOT_PREFIX = "pilot-"
ROLE_PATTERN = r"^(root|edge|pipeline|releaser|steward|pilot-[a-z0-9][a-z0-9_-]{0,39})$"


class Webhook(BaseModel):
    """A chat robot that hears about pending approvals: WeCom, DingTalk, Feishu or plain JSON."""

    kind: str = Field(pattern="^(wecom|dingtalk|feishu|json)$")
    url: str
    #: DingTalk's and Feishu's signing secret (加签 / 签名校验), if the robot has one
    secret: SecretStr = SecretStr("")


def config_file() -> Path:
    """The user's TOML settings file: ``$ASSAY_CONFIG`` or ``./assay.toml``."""
    return Path(os.environ.get("ASSAY_CONFIG", "assay.toml"))


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}", places=[str(path)]) from exc


def role_keys_file(state_dir: Path, role: str) -> Path:
    """Where the local stack keeps one role's S3 keys (mode 600)."""
    return state_dir / ACCESS_DIR / f"{role}.toml"


def default_masking_key_file() -> Path:
    """``$XDG_CONFIG_HOME/assay/masking.key`` (``~/.config/…``): outside every state folder,
    so deleting a stack (``make clean``) never deletes the key its releases were made with."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "assay" / "masking.key"


def default_identity_key_file() -> Path:
    """``$XDG_CONFIG_HOME/assay/identity.key``: beside the masking key, outside every state
    folder; the gateways' signing keys are derived from it (docs/security.md)."""
    return default_masking_key_file().with_name("identity.key")


def default_state_dir() -> Path:
    """The state folder before settings are built: env, then the TOML file, then ``.assay``."""
    raw = os.environ.get(f"{ENV_PREFIX}STATE_DIR") or _read_toml(config_file()).get("state_dir")
    return Path(raw or ".assay")


class _TomlSource(PydanticBaseSettingsSource):
    """Reads settings from one TOML file, flat keys named like the fields."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self._data = _read_toml(path)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._data.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    """Connection settings and the local stack's layout."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    state_dir: Path = Field(default=Path(".assay"), description="where the stack keeps state")
    cache_dir: Path = Field(
        default=Path.home() / ".cache" / "assay",
        description="downloads and builds shared by every state folder (jars, the S3 server)",
    )

    contracts_dir: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="folders of the site's own contracts, beside the shipped ones; in the "
        "environment one path or several joined by the path separator (':')",
    )

    kafka_bootstrap: str = Field(default="", description="host:port list; default from kafka_port")
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    kafka_heap: str = "512m"
    kafka_brokers: int = Field(
        default=1,
        ge=1,
        le=9,
        description="local stack: KRaft nodes, each broker and controller; node i listens on "
        "kafka_port + 100*i and kafka_controller_port + 100*i (`assay stack up --cluster`: 3)",
    )
    # The client's security block (`schemas.kafka_security`); `assay stack up` records SASL_SSL,
    # the stack's CA and the admin principal in <state>/stack.toml.
    kafka_security_protocol: Protocol = "PLAINTEXT"
    kafka_sasl_mechanism: Mechanism = "SCRAM-SHA-512"
    kafka_username: str = ""
    kafka_password: SecretStr = SecretStr("")
    kafka_password_file: Path | None = None
    kafka_ca_file: Path | None = None
    kafka_cert_file: Path | None = None
    kafka_key_file: Path | None = None

    s3_endpoint: str = Field(default="", description="http(s)://host:port; default from s3_port")
    s3_port: int = 7070
    s3_access_key: str = Field(default="", description="one key pair for every use, if set")
    s3_secret_key: SecretStr = SecretStr("")
    s3_role: str = Field(
        default=STEWARD,
        pattern=ROLE_PATTERN,
        description="role whose keys S3 calls use when no key pair is set; commands pick theirs",
    )
    s3_region: str = "us-east-1"

    bucket_raw: str = "assay-raw"
    bucket_curated: str = "assay-curated"
    bucket_quarantine: str = "assay-quarantine"
    bucket_deadletter: str = "assay-deadletter"
    bucket_reports: str = "assay-reports"
    bucket_releases: str = "assay-releases"

    masking_key: SecretStr = Field(
        default=SecretStr(""),
        description="master key (hex, at least 32 bytes) that pseudonymises restricted fields "
        "in releases; default: read from masking_key_file",
    )
    masking_key_file: Path = Field(
        default_factory=default_masking_key_file,
        description="where the master masking key is kept; generated there once if missing",
    )
    identity_key: SecretStr = Field(
        default=SecretStr(""),
        description="identity master key (hex, at least 32 bytes) from which each gateway's "
        "record-signing key is derived; default: read from identity_key_file",
    )
    identity_key_file: Path = Field(
        default_factory=default_identity_key_file,
        description="where the identity master key is kept (made by `assay stack up` or "
        "`assay access kafka-gateway`)",
    )
    release_lock_mode: str = Field(default="COMPLIANCE", pattern="^(COMPLIANCE|GOVERNANCE)$")
    release_lock_days: int = Field(default=3650, ge=1, description="object-lock retention")
    release_licence: str = Field(
        default="",
        description="licence URL or SPDX id a release carries unless `--licence` says; empty: "
        "every release request names its licence",
    )

    steward_name: str = Field(
        default="",
        description="who runs steward commands (release, quarantine decide) when `--as` is not "
        "given; default the login name",
    )
    steward_roles: dict[str, str] = Field(
        default_factory=dict,
        description="name -> viewer, steward or admin; empty: every name is a steward",
    )
    single_steward: bool = Field(
        default=False,
        description="a site with one steward: `release create --approve` publishes at once, "
        "recorded as a single-steward approval",
    )

    notify_webhooks: list[Webhook] = Field(
        default_factory=list,
        description="chat robots told of pending approvals ([[notify_webhooks]] kind, url, secret)",
    )
    notify_smtp_host: str = Field(default="", description="SMTP server; empty: no e-mail")
    notify_smtp_port: int = 25
    notify_smtp_starttls: bool = False
    notify_smtp_username: str = ""
    notify_smtp_password: SecretStr = SecretStr("")
    notify_email_from: str = "assay@localhost"
    notify_email_to: list[str] = Field(default_factory=list)
    notify_problems: list[str] = Field(
        default_factory=lambda: ["stalled", "loss", "audit_unbalanced", "low_score", "failed_run"],
        description="kinds of open problem `assay notify` tells the channels of, once each "
        "until it clears; empty: none",
    )
    quality_threshold: float = Field(
        default=0.95,
        ge=0.0,
        le=1.0,
        description="a GB/T 36344 dimension scoring under this is a problem (red, notified)",
    )
    quality_thresholds: dict[str, float] = Field(
        default_factory=dict,
        description="contract -> its own threshold instead of `quality_threshold`",
    )

    airflow_host: str = Field(
        default="127.0.0.1", description="where Airflow's API server answers the REST client"
    )
    airflow_port: int = 8080
    console_port: int = Field(default=8090, description="the steward console of the local stack")
    airflow_username: str = Field(default="admin", description="who the REST client logs in as")
    airflow_password: SecretStr = Field(
        default=SecretStr(""),
        description="the REST client's password; default: the local stack's generated one",
    )
    airflow_db: str = Field(default="sqlite", pattern="^(sqlite|postgres)$")
    postgres_port: int = 5433
    airflow_workers: int = Field(
        default=0,
        ge=0,
        description="local stack: Celery workers (CeleryExecutor, Redis broker, PostgreSQL); "
        "0 runs the LocalExecutor (`assay stack up --cluster`: 2)",
    )
    redis_port: int = 6379

    pilot_grants: dict[str, list[str]] = Field(
        default_factory=dict,
        description="pilot base -> contracts whose releases it may read (adds to `assay access "
        "grant-pilot`)",
    )

    enterprise_name: str = Field(
        default="", description="the enterprise that applies with its releases (readiness report)"
    )
    enterprise_sites: dict[str, str] = Field(
        default_factory=dict,
        description="site id as in the data -> the site's name and address (readiness report)",
    )
    data_steward: str = Field(
        default="",
        description="the data steward responsible for releases: name, role, contact "
        "(readiness report)",
    )

    openlineage_url: str = Field(
        default="", description="OpenLineage HTTP endpoint (e.g. Marquez); events also go to a file"
    )
    openlineage_api_key: SecretStr = SecretStr("")
    openlineage_namespace: str = Field(default="assay", description="OpenLineage job namespace")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The stack file of the state folder these settings are for: one given as a keyword
        # (tests, a second stack) wins over the environment's.
        given = getattr(init_settings, "init_kwargs", {}).get("state_dir")
        stack_file = Path(given or default_state_dir()) / STACK_FILE
        return (
            init_settings,
            env_settings,
            _TomlSource(settings_cls, config_file()),
            _TomlSource(settings_cls, stack_file),
        )

    @field_validator("contracts_dir", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        """``ASSAY_CONTRACTS_DIR=/a:/b`` as a list; the TOML file may give a string or a list."""
        if isinstance(value, str):
            return [p for p in value.split(os.pathsep) if p]
        return value

    def contracts(self) -> ContractRegistry:
        """The shipped contracts and the site's own (`contracts_dir`), linted at load: a broken
        site contract is logged with file:line and left out (``problems`` lists it)."""
        from schemas import ContractRegistry

        return ContractRegistry.site(self.contracts_dir)

    @property
    def bootstrap(self) -> str:
        """Kafka bootstrap servers."""
        ports = [port for port, _ in self.kafka_node_ports]
        return self.kafka_bootstrap or ",".join(f"127.0.0.1:{port}" for port in ports)

    @property
    def kafka_node_ports(self) -> list[tuple[int, int]]:
        """(client, controller) port of each local KRaft node, 100 apart."""
        step = KAFKA_PORT_STEP
        return [
            (self.kafka_port + step * i, self.kafka_controller_port + step * i)
            for i in range(self.kafka_brokers)
        ]

    @property
    def kafka_replication(self) -> int:
        """Replication factor of the stack's topics: 3 on a cluster, 1 on one broker."""
        return min(self.kafka_brokers, 3)

    @property
    def endpoint(self) -> str:
        """S3 endpoint URL."""
        return self.s3_endpoint or f"http://127.0.0.1:{self.s3_port}"

    @property
    def buckets(self) -> dict[str, str]:
        """Every bucket the pipeline uses, by role."""
        roles = ("raw", "curated", "quarantine", "deadletter", "reports", "releases")
        return {role: getattr(self, f"bucket_{role}") for role in roles}

    def kafka_security(self) -> KafkaSecurity:
        """How every Kafka client of the platform connects; a `ConfigError` if inconsistent."""
        places = ["environment ASSAY_KAFKA_*", str(config_file()), str(self.state_dir / STACK_FILE)]
        try:
            security = KafkaSecurity(
                protocol=self.kafka_security_protocol,
                mechanism=self.kafka_sasl_mechanism,
                username=self.kafka_username,
                password=self.kafka_password,
                password_file=self.kafka_password_file,
                ca_file=self.kafka_ca_file,
                cert_file=self.kafka_cert_file,
                key_file=self.kafka_key_file,
            )
        except ValidationError as exc:
            problem = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            raise ConfigError(f"Kafka security settings: {problem}", places=places) from exc
        if (found := security.unreadable()) is not None:
            raise ConfigError(f"kafka_{found[0]}: {found[1]}", places=places)
        return security

    def as_role(self, role: str) -> Settings:
        """These settings with S3 calls made as ``role`` (a configured key pair still wins)."""
        return self.model_copy(update={"s3_role": role})

    def s3_credentials(self, role: str | None = None) -> tuple[str, str]:
        """Access and secret key: the configured pair, else the keys of ``role`` (default
        `s3_role`) from the state folder; a `ConfigError` that says every place it looked."""
        secret = self.s3_secret_key.get_secret_value()
        if self.s3_access_key and secret:
            return self.s3_access_key, secret
        role = role or self.s3_role
        path = role_keys_file(self.state_dir, role)
        stored = _read_toml(path)
        if stored.get("access_key") and stored.get("secret_key"):
            return str(stored["access_key"]), str(stored["secret_key"])
        raise ConfigError(
            f"no S3 credentials for the {role} role: start the local stack with "
            "`assay stack up` (it writes every role's keys) or set ASSAY_S3_ACCESS_KEY and "
            "ASSAY_S3_SECRET_KEY",
            places=[
                "environment ASSAY_S3_ACCESS_KEY / ASSAY_S3_SECRET_KEY",
                str(config_file()),
                str(path),
            ],
        )


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from every source; keyword arguments win."""
    return Settings(**overrides)
