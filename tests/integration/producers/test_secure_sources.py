"""Secured sources: a TLS Mosquitto that demands a client certificate and a login, and the
edge's probe reading through it with secrets from a file or the environment."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assay.devstack.stack.kafka_tls import TlsFiles, ensure_tls
from producers.cli import app

from .conftest import free_port, wait_for
from .test_mqtt_to_kafka import MOSQUITTO, _listening

pytestmark = pytest.mark.integration

HEAD = "producer_id: gw-secure\nsite: plant-a\nspool: {path: spool.db}\nsources:\n"


@dataclass(frozen=True)
class TlsBroker:
    port: int
    tls: TlsFiles


@pytest.fixture
def tls_mosquitto(tmp_path: Path) -> Iterator[TlsBroker]:
    """Mosquitto on TLS only: a client certificate from the test CA and user gw / pw-1 needed."""
    tls = ensure_tls(tmp_path / "tls")
    passwords = tmp_path / "mosquitto.passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwords), "gw", "pw-1"], check=True)
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\ncafile {tls.ca}\ncertfile {tls.broker}\n"
        f"keyfile {tls.broker}\nrequire_certificate true\nallow_anonymous false\n"
        f"password_file {passwords}\npersistence false\n"
        "user root\n"  # started as root, it would read the files as `mosquitto`: not ours
    )
    process = subprocess.Popen(
        [MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert wait_for(lambda: _listening(port), 10), "mosquitto did not start"
        yield TlsBroker(port, tls)
    finally:
        process.terminate()
        process.wait(10)


def publish_retained(broker: TlsBroker) -> None:
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="secure-publisher")
    client.tls_set(ca_certs=str(broker.tls.ca), certfile=str(broker.tls.broker))
    client.username_pw_set("gw", "pw-1")
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    payload = {"ts": "2025-03-01T08:00:00Z", "active_power": 3.5}
    message = client.publish("plant/meters/m-1/reading", json.dumps(payload), qos=1, retain=True)
    message.wait_for_publish(10)
    client.loop_stop()
    client.disconnect()


def probe(tmp_path: Path, source: str, env: dict[str, str]) -> tuple[int, dict]:
    config = tmp_path / "edge.yaml"
    config.write_text(HEAD + source)
    result = CliRunner().invoke(app, ["probe", "--json", "--timeout", "10", str(config)], env=env)
    return result.exit_code, json.loads(result.stdout)


def mqtt_source(broker: TlsBroker, secrets: str) -> str:
    return (
        f"  - {{name: meters, kind: mqtt, contract: energy_meter, host: 127.0.0.1,\n"
        f"     port: {broker.port}, topics: ['plant/meters/+/reading'], device_topic_level: 2,\n"
        f"     time_field: ts, ca_file: {broker.tls.ca}, username: gw, {secrets}}}\n"
    )


def test_mqtt_with_ca_client_certificate_and_a_password_file(
    tmp_path: Path, tls_mosquitto: TlsBroker
) -> None:
    publish_retained(tls_mosquitto)
    (tmp_path / "mqtt.password").write_text("pw-1\n")
    cert = tls_mosquitto.tls.broker  # key and certificate in one PEM, signed by the test CA
    secrets = f"password_file: mqtt.password, cert_file: {cert}, key_file: {cert}"
    code, doc = probe(tmp_path, mqtt_source(tls_mosquitto, secrets), {})
    assert code == 0, doc
    assert doc["samples"][0]["row"]["active_power"] == 3.5


def test_mqtt_password_from_the_environment(tmp_path: Path, tls_mosquitto: TlsBroker) -> None:
    publish_retained(tls_mosquitto)
    cert = tls_mosquitto.tls.broker
    secrets = f"password: '${{MQTT_PASSWORD}}', cert_file: {cert}, key_file: {cert}"
    code, doc = probe(tmp_path, mqtt_source(tls_mosquitto, secrets), {"MQTT_PASSWORD": "pw-1"})
    assert code == 0, doc
    assert doc["samples"][0]["row"]["device_id"] == "m-1"


def test_without_a_client_certificate_the_broker_refuses(
    tmp_path: Path, tls_mosquitto: TlsBroker
) -> None:
    secrets = "password: '${MQTT_PASSWORD}'"
    code, doc = probe(tmp_path, mqtt_source(tls_mosquitto, secrets), {"MQTT_PASSWORD": "pw-1"})
    assert code == 1
    assert doc["samples"][0]["row"] is None


@dataclass(frozen=True)
class SecureOpc:
    port: int
    folder: Path


async def _certificate(folder: Path, name: str, usage: object) -> None:
    import socket as sockets

    from asyncua.crypto.cert_gen import setup_self_signed_certificate

    await setup_self_signed_certificate(
        folder / f"{name}-key.pem",
        folder / f"{name}-cert.der",
        f"urn:assay:test:{name}",
        sockets.gethostname(),
        [usage],
        {"commonName": f"assay test {name}"},
    )


@pytest.fixture
def secure_opc(tmp_path: Path) -> Iterator[SecureOpc]:
    """An asyncua server that speaks only Basic256Sha256 SignAndEncrypt and wants gw / pw-2."""
    import asyncio
    import threading

    from asyncua import Server, ua
    from asyncua.crypto.permission_rules import User, UserRole
    from cryptography.x509.oid import ExtendedKeyUsageOID

    class Users:
        def get_user(self, iserver, username=None, password=None, certificate=None):  # type: ignore[no-untyped-def]
            return User(role=UserRole.User) if (username, password) == ("gw", "pw-2") else None

    port, loop, ready = free_port(), asyncio.new_event_loop(), threading.Event()
    stop: dict[str, bool] = {}

    async def main() -> None:
        await _certificate(tmp_path, "server", ExtendedKeyUsageOID.SERVER_AUTH)
        await _certificate(tmp_path, "gateway", ExtendedKeyUsageOID.CLIENT_AUTH)
        server = Server(user_manager=Users())  # type: ignore[arg-type]
        await server.init()
        server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/")
        server.set_security_policy([ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt])
        server.set_security_IDs(["Username"])
        await server.load_certificate(str(tmp_path / "server-cert.der"))
        await server.load_private_key(str(tmp_path / "server-key.pem"))
        idx = await server.register_namespace("urn:assay:test")
        mill = await server.nodes.objects.add_object(idx, "Mill01")
        await mill.add_variable(ua.NodeId("Mill01.AirTemp", idx), "AirTemp", 301.5)
        async with server:
            ready.set()
            while not stop:
                await asyncio.sleep(0.05)

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(60), "OPC UA server did not start"
    yield SecureOpc(port, tmp_path)
    stop["done"] = True
    thread.join(10)


def opc_source(server: SecureOpc, login: str) -> str:
    return (
        f"  - name: mill\n    kind: opcua\n    contract: machine_condition\n"
        f"    endpoint: opc.tcp://127.0.0.1:{server.port}/\n    publishing_interval_ms: 50\n"
        "    security_policy: Basic256Sha256\n    security_mode: SignAndEncrypt\n"
        f"    certificate_file: {server.folder}/gateway-cert.der\n"
        f"    private_key_file: {server.folder}/gateway-key.pem\n"
        f"    server_certificate_file: {server.folder}/server-cert.der\n"
        f"    username: gw\n    {login}\n"
        "    devices:\n      - device_id: mill-01\n"
        "        nodes: {air_temperature: 'ns=2;s=Mill01.AirTemp'}\n"
    )


def test_opcua_with_a_security_policy_certificates_and_a_login(
    tmp_path: Path, secure_opc: SecureOpc
) -> None:
    (tmp_path / "opcua.password").write_text("pw-2\n")
    code, doc = probe(tmp_path, opc_source(secure_opc, "password_file: opcua.password"), {})
    assert code == 0, doc
    assert doc["samples"][0]["row"]["air_temperature"] == 301.5


def test_opcua_with_a_wrong_password_is_refused(tmp_path: Path, secure_opc: SecureOpc) -> None:
    source = opc_source(secure_opc, "password: '${OPCUA_PASSWORD}'")
    code, doc = probe(tmp_path, source, {"OPCUA_PASSWORD": "wrong"})
    assert code == 1
    assert any("session" in e for e in doc["samples"][0]["errors"])
