"""MQTT subscription (paho-mqtt 2.x): JSON payloads mapped to contract fields.

Config (``kind: mqtt``)::

    host: 127.0.0.1
    port: 1883
    topics: ["plant-a/meters/+/reading"]
    qos: 1
    device_topic_level: 2         # device id from the topic (0-based level) ...
    device_field: device_id       # ... or from this payload key
    time_field: ts                # payload key of the event time; missing -> time of receipt
    time_format: iso              # iso | epoch_s | epoch_ms | a strptime format
    fields: {active_power: p_kw}  # contract field -> payload key; others: same name
    username: gw-plant-a          # broker login; password: ${MQTT_PASSWORD} or password_file
    password_file: /etc/assay-edge/mqtt.password
    ca_file: /etc/assay-edge/mqtt-ca.pem   # TLS with this CA (tls: true: the system's CAs)
    cert_file: /etc/assay-edge/gw.pem      # a client certificate, with key_file (mutual TLS)
    key_file: /etc/assay-edge/gw.key
    client_id / keepalive_s

The client subscribes on every (re)connect and paho reconnects by itself. Messages go through
a bounded queue, so back-pressure from a full spool reaches the broker's flow control.
A payload that is not a JSON object, has no device id or an unreadable time is reported as
``BadInput`` (with the topic) and skipped. Limitation: a QoS 1 message is acknowledged to the
broker when received, not when spooled; a crash in between loses what was queued in memory.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from threading import Event
from typing import Any, Literal

import orjson
from pydantic import Field, SecretStr, field_validator, model_validator

from producers._reading import Reading
from producers.errors import BadInput, SourceError
from producers.sources._base import FieldMap, SourceContext, SourceOptions, parse_time
from producers.sources._secrets import from_environment, read_secret

__all__ = ["MqttSource", "Options", "build", "field_map", "map_payload"]


class Options(SourceOptions):
    """Options of an MQTT subscription."""

    host: str
    port: int = Field(default=1883, ge=1, le=65535)
    topics: list[str] = Field(min_length=1)
    qos: Literal[0, 1, 2] = 1
    client_id: str | None = None
    clean_session: bool = False
    username: str | None = None
    password: SecretStr | None = None
    password_file: Path | None = None
    tls: bool = False  # implied by ca_file or cert_file
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    keepalive_s: int = Field(default=30, ge=5)
    device_field: str | None = "device_id"
    device_topic_level: int | None = Field(default=None, ge=0)
    time_field: str | None = "event_time"
    time_format: str = "iso"
    fields: dict[str, str] = Field(default_factory=dict)
    queue_size: int = Field(default=10_000, ge=1)

    _secrets = field_validator("username", "password", mode="before")(from_environment)

    @model_validator(mode="after")
    def _consistent(self) -> Options:
        if self.password is not None and self.password_file is not None:
            raise ValueError("give password or password_file, not both")
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("a client certificate needs both cert_file and key_file")
        return self

    @property
    def uses_tls(self) -> bool:
        """TLS when asked for, or when a CA or a client certificate is given."""
        return self.tls or self.ca_file is not None or self.cert_file is not None


def build(options: Options, context: SourceContext) -> MqttSource:
    """The subscription for these options."""
    return MqttSource(options, context)


def field_map(options: Options) -> list[FieldMap]:
    """Mapped payload keys; every other contract field is read from the key of its own name."""
    return [FieldMap("", None, {f: f"fields.{f}" for f in options.fields}, by_name=True)]


def map_payload(
    options: Options, contract_fields: list[str], topic: str, payload: bytes, received: datetime
) -> tuple[str, datetime, dict[str, Any]]:
    """(device id, event time, values) of one message; ``ValueError`` says why not."""
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise ValueError(f"a JSON {type(doc).__name__}, not an object")
    device = _device(options, topic, doc)
    moment = received
    if options.time_field and options.time_field in doc:
        moment = parse_time(doc[options.time_field], options.time_format)
    keys = {f: options.fields.get(f, f) for f in contract_fields}
    return device, moment, {f: doc[k] for f, k in keys.items() if k in doc}


def _device(options: Options, topic: str, doc: dict[str, Any]) -> str:
    if options.device_topic_level is not None:
        levels = topic.split("/")
        if options.device_topic_level >= len(levels):
            raise ValueError(f"topic has no level {options.device_topic_level}")
        return levels[options.device_topic_level]
    device = doc.get(options.device_field or "device_id")
    if not isinstance(device, str | int) or device == "":
        raise ValueError(f"no device id in payload key {options.device_field!r}")
    return str(device)


def _text(path: Path | None) -> str | None:
    return None if path is None else str(path)


class MqttSource:
    """Subscribes with paho-mqtt and yields one reading per message."""

    def __init__(self, options: Options, context: SourceContext) -> None:
        self.name = options.name
        self.options = options
        self.context = context
        self._queue: queue.Queue[Reading] = queue.Queue(maxsize=options.queue_size)
        self._fields = list(context.contract.fields)
        self._stop = Event()

    def readings(self, stop: Event) -> Iterator[Reading]:
        """Connect, subscribe, and yield readings until ``stop``."""
        self._stop = stop
        client = self._client()
        client.connect_async(self.options.host, self.options.port, self.options.keepalive_s)
        client.loop_start()
        try:
            while not stop.is_set():
                try:
                    yield self._queue.get(timeout=0.2)
                except queue.Empty:
                    continue
        finally:
            client.disconnect()
            client.loop_stop()

    def _client(self) -> Any:
        import paho.mqtt.client as mqtt

        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.options.client_id or f"assay-edge-{self.name}",
            clean_session=self.options.clean_session,
        )
        options = self.options
        if options.username:
            password = read_secret(options.password, options.password_file)
            client.username_pw_set(options.username, password)
        if options.uses_tls:
            client.tls_set(
                ca_certs=_text(options.ca_file),
                certfile=_text(options.cert_file),
                keyfile=_text(options.key_file),
            )
        client.reconnect_delay_set(1, 30)
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        return client

    def _on_connect(
        self, client: Any, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        if reason.is_failure:
            self.context.report(SourceError(self.name, f"broker refused: {reason}", transient=True))
            return
        client.subscribe([(t, self.options.qos) for t in self.options.topics])

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        received = datetime.fromtimestamp(time.time(), UTC)
        try:
            device, moment, values = map_payload(
                self.options, self._fields, message.topic, message.payload, received
            )
        except (ValueError, OverflowError, TypeError) as exc:
            raw = message.payload[:200].decode(errors="replace")
            self.context.report(BadInput(self.name, f"topic {message.topic}", str(exc), raw))
            return
        reading = Reading(
            self.context.contract.name, device, moment, values, site=self.options.site
        )
        self._put(reading)

    def _put(self, reading: Reading) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(reading, timeout=0.2)
                return
            except queue.Full:
                continue
