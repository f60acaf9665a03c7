"""OPC UA subscription (asyncua): a device's nodes -> one reading per data change.

Config (``kind: opcua``)::

    endpoint: opc.tcp://10.0.0.20:4840
    publishing_interval_ms: 500
    timeout_s: 5
    devices:
      - device_id: mill-01
        nodes: {air_temperature: "ns=2;s=Mill01.AirTemp", rotational_speed: "ns=2;i=1002"}
    # status_field: a contract field (string/enum) that receives good/uncertain/bad, if any
    security_policy: Basic256Sha256   # None (default) | Basic256Sha256 | Aes128Sha256RsaOaep
    security_mode: SignAndEncrypt     #   | Aes256Sha256RsaPss;  Sign | SignAndEncrypt
    certificate_file: /etc/assay-edge/opcua-cert.der   # this gateway's application instance
    private_key_file: /etc/assay-edge/opcua-key.pem    #   certificate (PEM or DER) and its key
    server_certificate_file: /etc/assay-edge/plc.der   # pin the server's; else taken from it
    username: gw-plant-a              # user login; password: ${OPCUA_PASSWORD} or password_file
    password_file: /etc/assay-edge/opcua.password

The client's application URI is read from its certificate (the server checks they match).
Without ``server_certificate_file`` the server's certificate is taken from its endpoint list:
encrypted, but trusted on first use; pin it where the network is not trusted.

Each data change yields the device's latest value of every subscribed node, once all have
reported, with
the changed value's **source timestamp** as event time (server timestamp, then receipt time,
when the server sends none). Each value keeps its **status code**: the worst of the reading's
statuses (``good``, ``uncertain``, ``bad``) is ``Reading.quality`` (a Kafka header) and, with
``status_field``, a contract field; a Bad value is passed as null.

Types are checked twice: at subscription, a node whose OPC UA data type does not fit its
contract field (e.g. String for float64) is reported as ``SourceTypeError`` naming the node,
both types and the field, and is not subscribed; at run time, a value of another type is
reported the same way and passed through unchanged (quarantine downstream judges it).
The session reconnects with back-off after a connection loss.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from threading import Event
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from producers._reading import Reading
from producers.errors import SourceError, SourceTypeError
from producers.sources._base import FieldMap, SourceContext, SourceOptions
from producers.sources._secrets import from_environment, read_secret

__all__ = [
    "BrowsedNode",
    "OpcDevice",
    "OpcUaSource",
    "Options",
    "browse",
    "build",
    "field_map",
    "fits",
    "quality",
]

_FITS = {
    "float64": {
        "Double",
        "Float",
        "Int16",
        "Int32",
        "Int64",
        "UInt16",
        "UInt32",
        "UInt64",
        "Byte",
        "SByte",
    },
    "int64": {"Int16", "Int32", "Int64", "UInt16", "UInt32", "UInt64", "Byte", "SByte"},
    "bool": {"Boolean"},
    "string": {"String", "LocalizedText"},
    "enum": {"String", "LocalizedText"},
    "timestamp": {"DateTime"},
    "float64_list": {"Double", "Float"},
}
_RANK = {"good": 0, "uncertain": 1, "bad": 2}
SecurityPolicy = Literal["None", "Basic256Sha256", "Aes128Sha256RsaOaep", "Aes256Sha256RsaPss"]


class OpcDevice(BaseModel):
    """One device: contract field -> OPC UA node id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    device_id: str = Field(min_length=1)
    nodes: dict[str, str] = Field(min_length=1)


class Options(SourceOptions):
    """Options of an OPC UA subscription."""

    endpoint: str = Field(pattern=r"^opc\.tcp://")
    publishing_interval_ms: int = Field(default=500, ge=10)
    timeout_s: float = Field(default=5.0, gt=0)
    devices: list[OpcDevice] = Field(min_length=1)
    status_field: str | None = None
    queue_size: int = Field(default=10_000, ge=1)
    security_policy: SecurityPolicy = "None"
    security_mode: Literal["Sign", "SignAndEncrypt"] = "SignAndEncrypt"
    certificate_file: Path | None = None
    private_key_file: Path | None = None
    server_certificate_file: Path | None = None
    username: str | None = None
    password: SecretStr | None = None
    password_file: Path | None = None

    _secrets = field_validator("username", "password", mode="before")(from_environment)

    @model_validator(mode="after")
    def _consistent(self) -> Options:
        has_keys = self.certificate_file is not None and self.private_key_file is not None
        if self.security_policy != "None" and not has_keys:
            raise ValueError(f"{self.security_policy} needs certificate_file and private_key_file")
        if self.password is not None and self.password_file is not None:
            raise ValueError("give password or password_file, not both")
        return self


async def _connected(options: Options) -> Any:
    """An asyncua client for ``options``, with its security and login set (not connected)."""
    from asyncua import Client

    client = Client(url=options.endpoint, timeout=options.timeout_s)
    if options.security_policy != "None":
        await _secure(client, options)
    if options.username:
        client.set_user(options.username)
        password = read_secret(options.password, options.password_file)
        if password is not None:
            client.set_password(password)
    return client


async def _secure(client: Any, options: Options) -> None:
    from asyncua import ua
    from asyncua.crypto import security_policies

    assert options.certificate_file is not None and options.private_key_file is not None
    client.application_uri = _application_uri(options.certificate_file) or client.application_uri
    policy = getattr(security_policies, f"SecurityPolicy{options.security_policy}")
    server = options.server_certificate_file
    await client.set_security(
        policy,
        str(options.certificate_file),
        str(options.private_key_file),
        server_certificate=None if server is None else str(server),
        mode=getattr(ua.MessageSecurityMode, options.security_mode),
    )


def _application_uri(path: Path) -> str | None:
    """The URI in a certificate's subject alternative names: the client's application URI."""
    from cryptography import x509

    data = path.read_bytes()
    cert = (
        x509.load_pem_x509_certificate(data)
        if data.startswith(b"-----")
        else x509.load_der_x509_certificate(data)
    )
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    uris = names.get_values_for_type(x509.UniformResourceIdentifier)
    return uris[0] if uris else None


def build(options: Options, context: SourceContext) -> OpcUaSource:
    """The subscription for these options."""
    return OpcUaSource(options, context)


def field_map(options: Options) -> list[FieldMap]:
    """Each device fills its nodes' fields and, with ``status_field``, that one."""
    status = {options.status_field: "status_field"} if options.status_field else {}
    return [
        FieldMap(
            f"devices[{i}]", d.device_id, {f: f"devices[{i}].nodes.{f}" for f in d.nodes} | status
        )
        for i, d in enumerate(options.devices)
    ]


def fits(field_type: str, variant: str) -> bool:
    """True when an OPC UA variant type can carry a contract field type."""
    return variant in _FITS.get(field_type, set())


def quality(status: Any) -> str:
    """An OPC UA StatusCode as ``good``, ``uncertain`` or ``bad``."""
    if status is None or status.is_good():
        return "good"
    return "uncertain" if status.is_uncertain() else "bad"


class OpcUaSource:
    """Runs an asyncua session in a helper thread; yields readings from its queue."""

    def __init__(self, options: Options, context: SourceContext) -> None:
        self.name = options.name
        self.options = options
        self.context = context
        self._queue: queue.Queue[Reading] = queue.Queue(maxsize=options.queue_size)
        self._latest: dict[str, dict[str, tuple[Any, str]]] = {
            d.device_id: {} for d in options.devices
        }
        self._by_node: dict[str, tuple[OpcDevice, str]] = {}
        self._subscribed: dict[str, set[str]] = {d.device_id: set() for d in options.devices}

    def readings(self, stop: Event) -> Iterator[Reading]:
        """Subscribe and yield readings until ``stop``."""
        worker = threading.Thread(
            target=self._session_loop, args=(stop,), daemon=True, name=f"opcua-{self.name}"
        )
        worker.start()
        try:
            while not stop.is_set():
                try:
                    yield self._queue.get(timeout=0.2)
                except queue.Empty:
                    continue
        finally:
            worker.join(timeout=self.options.timeout_s + 2)

    def _session_loop(self, stop: Event) -> None:
        backoff = 1.0
        while not stop.is_set():
            try:
                asyncio.run(self._session(stop))
                return
            except Exception as exc:  # asyncua raises many kinds; all mean "try again later"
                detail = f"session with {self.options.endpoint} failed: {exc!r}"
                self.context.report(SourceError(self.name, detail, transient=True))
            stop.wait(backoff)
            backoff = min(backoff * 2, 30.0)

    async def _session(self, stop: Event) -> None:
        async with await _connected(self.options) as client:
            nodes = await self._checked_nodes(client)
            handler = _Handler(self)
            subscription = await client.create_subscription(
                self.options.publishing_interval_ms, handler
            )
            if nodes:
                await subscription.subscribe_data_change(nodes)
            while not stop.is_set():
                await asyncio.sleep(0.2)
                await client.check_connection()

    async def _checked_nodes(self, client: Any) -> list[Any]:
        nodes = []
        for device in self.options.devices:
            for field, node_id in device.nodes.items():
                node = client.get_node(node_id)
                variant = (await node.read_data_type_as_variant_type()).name
                spec = self.context.contract.fields.get(field)
                if spec is not None and not fits(spec.type, variant):
                    self.context.report(
                        SourceTypeError(self.name, field, spec.type, f"OPC UA {variant}", node_id)
                    )
                    continue
                self._by_node[node.nodeid.to_string()] = (device, field)
                self._subscribed[device.device_id].add(field)
                nodes.append(node)
        return nodes

    def changed(self, node_id: str, value: Any, variant: str, status: Any, when: datetime) -> None:
        """A data change from the subscription (asyncua's thread): update, maybe emit."""
        device, field = self._by_node[node_id]
        spec = self.context.contract.fields.get(field)
        level = quality(status)
        if (
            level != "bad"
            and spec is not None
            and value is not None
            and not fits(spec.type, variant)
        ):
            self.context.report(
                SourceTypeError(self.name, field, spec.type, f"OPC UA {variant}", node_id)
            )
        latest = self._latest[device.device_id]
        latest[field] = (None if level == "bad" else value, level)
        if latest.keys() >= self._subscribed[device.device_id]:
            self._emit(device, latest, when)

    def _emit(self, device: OpcDevice, latest: dict[str, tuple[Any, str]], when: datetime) -> None:
        worst = max((level for _, level in latest.values()), key=_RANK.__getitem__)
        values = {field: value for field, (value, _) in latest.items()}
        if self.options.status_field:
            values[self.options.status_field] = worst
        reading = Reading(
            self.context.contract.name,
            device.device_id,
            when,
            values,
            site=self.options.site,
            quality=worst,
        )
        try:
            self._queue.put(reading, timeout=self.options.timeout_s)
        except queue.Full:
            self.context.report(SourceError(self.name, "queue full: a data change was dropped"))


@dataclass(frozen=True)
class BrowsedNode:
    """One node under a browsed root: how deep, its id (for ``nodes:``), name, type, value."""

    depth: int
    node_id: str
    name: str
    data_type: str | None = None  # variables only: the variant type ``fits`` checks
    value: Any = None


def browse(options: Options, root: str, depth: int = 2, limit: int = 500) -> list[BrowsedNode]:
    """The subtree under ``root`` (``i=85``: the Objects folder), to find the node ids to map."""
    return asyncio.run(_browse(options, root, depth, limit))


async def _browse(options: Options, root: str, depth: int, limit: int) -> list[BrowsedNode]:
    from asyncua import ua

    found: list[BrowsedNode] = []
    async with await _connected(options) as client:
        todo = [(0, client.get_node(root))]
        while todo and len(found) < limit:
            level, node = todo.pop()
            name = (await node.read_browse_name()).Name
            found.append(await _described(node, level, name, ua))
            if level < depth:
                children = await node.get_children()
                todo.extend((level + 1, child) for child in reversed(children))
    return found


async def _described(node: Any, level: int, name: str, ua: Any) -> BrowsedNode:
    node_id = node.nodeid.to_string()
    if await node.read_node_class() != ua.NodeClass.Variable:
        return BrowsedNode(level, node_id, name)
    variant = (await node.read_data_type_as_variant_type()).name
    return BrowsedNode(level, node_id, name, variant, await node.read_value())


class _Handler:
    """asyncua's subscription callback object."""

    def __init__(self, source: OpcUaSource) -> None:
        self.source = source

    def datachange_notification(self, node: Any, value: Any, data: Any) -> None:
        """Hand the value, its status and its source timestamp to the source."""
        data_value = data.monitored_item.Value
        when = data_value.SourceTimestamp or data_value.ServerTimestamp or datetime.now(UTC)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        variant = data_value.Value.VariantType.name if data_value.Value is not None else "Null"
        self.source.changed(node.nodeid.to_string(), value, variant, data_value.StatusCode, when)

    def status_change_notification(self, status: Any) -> None:
        """The subscription's own status changed (e.g. the server timed it out)."""
        self.source.context.report(SourceError(self.source.name, f"subscription status {status}"))
