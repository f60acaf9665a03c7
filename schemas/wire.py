"""The wire format between the edge and the pipeline: Kafka headers and payload kinds.

Both sides import these names from here, so a producer and the decoder can never disagree.

A message is either one reading as a UTF-8 JSON object (``application/json``; the
encoding of each type is in ``schemas._jsonschema``) or a frame of many readings as an
Arrow IPC stream in the contract's Arrow schema (``application/vnd.apache.arrow.stream``).
The key is the reading's ``device_id``. Headers (values UTF-8):

=================== =======================================================
``contract``        contract name, e.g. ``energy_meter``
``contract_version`` the contract's full semantic version, e.g. ``1.2.0``
``producer_id``     the edge producer instance
``seq``             the reading's sequence number (a frame: its first reading's)
``count``           readings in the message (1 for JSON)
``content_type``    one of `CONTENT_TYPES`
``replay``          ``1`` when the message may have been sent before (spool replay)
``signer``          the Kafka principal that signed the record (``schemas.signature``)
``signature``       the record's HMAC-SHA256, hex; last, it covers every other header
=================== =======================================================
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ARROW_STREAM",
    "CONTENT_TYPES",
    "HEADER_CONTENT_TYPE",
    "HEADER_CONTRACT",
    "HEADER_COUNT",
    "HEADER_PRODUCER",
    "HEADER_REPLAY",
    "HEADER_SEQ",
    "HEADER_SIGNATURE",
    "HEADER_SIGNER",
    "HEADER_VERSION",
    "JSON",
]

HEADER_CONTRACT: Final = "contract"
HEADER_VERSION: Final = "contract_version"
HEADER_PRODUCER: Final = "producer_id"
HEADER_SEQ: Final = "seq"
HEADER_COUNT: Final = "count"
HEADER_CONTENT_TYPE: Final = "content_type"
HEADER_REPLAY: Final = "replay"
HEADER_SIGNER: Final = "signer"
HEADER_SIGNATURE: Final = "signature"

JSON: Final = "application/json"
ARROW_STREAM: Final = "application/vnd.apache.arrow.stream"
CONTENT_TYPES: Final = (JSON, ARROW_STREAM)
