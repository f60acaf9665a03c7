"""The exceptions of the ``assay`` package.

One root for every package: ``AssayError`` is defined in ``schemas`` (the layer everyone
imports) and re-exported here; ``EdgeError``, ``ValidatorError``, ``ContractError`` and
``SimulatorError`` hang under it too.

    AssayError                 root; ``transient`` says whether a retry may help
    ├── ConfigError            a setting is missing or wrong (``places`` = where we looked)
    ├── StackError             a local service failed (``service``, ``fix``)
    │   └── StackTimeout       a service did not become ready in time (transient)
    ├── StoreError             an object-store call failed (``bucket``, ``key``, ``missing``)
    │   └── ObjectExists       a create-only write found the key taken
    ├── KafkaUnavailable       the broker could not be reached or answered an error (transient)
    ├── ServiceUnreachable     a command's service does not answer at all (``service``, ``fix``)
    └── KafkaRefused           the broker refused the client: authentication or an ACL (``code``)

Errors carry their context as attributes; tests assert those, not message text.
"""

from __future__ import annotations

from schemas import AssayError

__all__ = [
    "AssayError",
    "ConfigError",
    "KafkaUnavailable",
    "ServiceUnreachable",
    "StackError",
    "StackTimeout",
    "StoreError",
]


class ConfigError(AssayError):
    """A setting is missing or invalid."""

    def __init__(self, message: str, *, places: list[str] | None = None) -> None:
        self.places = list(places or [])
        looked = f" (looked in: {'; '.join(self.places)})" if self.places else ""
        super().__init__(f"{message}{looked}")


class StackError(AssayError):
    """A service of the local stack could not be provisioned, started or stopped."""

    def __init__(self, service: str, problem: str, fix: str = "") -> None:
        self.service = service
        self.problem = problem
        self.fix = fix
        hint = f"\n  fix: {fix}" if fix else ""
        super().__init__(f"{service}: {problem}{hint}")


class StackTimeout(StackError):
    """A service did not become ready within its timeout."""

    transient = True


class StoreError(AssayError):
    """An object-store call failed; ``missing`` when the object does not exist."""

    def __init__(
        self, bucket: str, key: str, problem: str, *, missing: bool = False, transient: bool = False
    ) -> None:
        self.bucket = bucket
        self.key = key
        self.missing = missing
        self.transient = transient
        super().__init__(f"s3://{bucket}/{key}: {problem}")


class ObjectExists(StoreError):
    """A create-only write (``If-None-Match: *``) found an object under the key already."""

    def __init__(self, bucket: str, key: str) -> None:
        super().__init__(bucket, key, "exists already (create-only write refused)")


class KafkaUnavailable(AssayError):
    """The broker could not be reached, or answered an error a retry may cure."""

    transient = True

    def __init__(self, topic: str, problem: str) -> None:
        self.topic = topic
        super().__init__(f"{topic}: {problem}")


class ServiceUnreachable(AssayError):
    """Nothing answers at a service's address: found by a command's pre-flight in about a
    second, instead of a client library's retries and its raw error."""

    transient = True

    def __init__(self, service: str, address: str, problem: str, fix: str) -> None:
        self.service, self.address, self.problem, self.fix = service, address, problem, fix
        super().__init__(f"{service} at {address} is unreachable ({problem})\n  fix: {fix}")


class KafkaRefused(AssayError):
    """The broker refused the client for good: its credentials, or no ACL allows the request.

    ``code`` is the broker's or client library's error name (``SASL_AUTHENTICATION_FAILED``,
    ``TOPIC_AUTHORIZATION_FAILED``, ``GROUP_AUTHORIZATION_FAILED`` …); retrying cannot help.
    """

    def __init__(self, topic: str, code: str, problem: str) -> None:
        self.topic = topic
        self.code = code
        super().__init__(f"{topic}: {code}: {problem}")
