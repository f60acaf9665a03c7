"""The local broker's TLS: a certificate authority of its own and a broker certificate it signs.

Files in ``<state>/kafka/tls`` (a 0700 folder, every file 0600)::

    ca.pem      the CA certificate every client trusts (``kafka_ca_file``)
    ca.key      the CA's private key; only used here, to sign the broker's certificate
    broker.pem  the broker's private key and certificate: a PEM keystore for Kafka, which
                serves it on the client listener and presents it to the controller listener

The CA lives ten years and is kept across restarts, so clients keep trusting the same file; the
broker's certificate is renewed on start when it has less than a month left. EC P-256 keys:
generated in milliseconds, and every TLS library of the stack (Java, OpenSSL, Python) speaks them.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
BROKER_DAYS = 825  # the longest a server certificate may live that TLS clients accept
RENEW_BEFORE = dt.timedelta(days=30)
BROKER_CN = "broker"  # the broker's principal on the controller listener (User:broker)


@dataclass(frozen=True)
class TlsFiles:
    """Where the CA and the broker's keystore are."""

    folder: Path

    @property
    def ca(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca.key"

    @property
    def broker(self) -> Path:
        return self.folder / "broker.pem"


def ensure_tls(folder: Path, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> TlsFiles:
    """Create the CA once and a broker certificate for ``hosts`` when missing or expiring."""
    files = TlsFiles(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)
    if not (files.ca.is_file() and files.ca_key.is_file()):
        _write_ca(files)
        files.broker.unlink(missing_ok=True)  # signed by the old CA: no client trusts it now
    if _expiring(files.broker):
        _write_broker(files, hosts)
    return files


def _write_ca(files: TlsFiles) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("assay local Kafka CA")
    cert = (
        _builder(name, name, key.public_key(), CA_DAYS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    _write(files.ca_key, _key_pem(key))
    _write(files.ca, cert.public_bytes(serialization.Encoding.PEM))


def _write_broker(files: TlsFiles, hosts: tuple[str, ...]) -> None:
    ca_key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{files.ca_key} is not the EC key this module writes")
    ca = x509.load_pem_x509_certificate(files.ca.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    usage = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    cert = (
        _builder(_name(BROKER_CN), ca.subject, key.public_key(), BROKER_DAYS)
        .add_extension(x509.SubjectAlternativeName([_san(h) for h in hosts]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usage), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(files.broker, _key_pem(key) + cert.public_bytes(serialization.Encoding.PEM))


def _expiring(path: Path) -> bool:
    if not path.is_file():
        return True
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return cert.not_valid_after_utc - dt.datetime.now(dt.UTC) < RENEW_BEFORE


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey, days: int
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not cert_sign,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    # PKCS#8, unencrypted: the private-key form Kafka's PEM keystore reads without a password.
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to a file only its owner can read, created with that mode."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    tmp.replace(path)
