"""Claim-check images: written to a local folder, optionally handed to an uploader.

Images never travel through Kafka. Each is written to ``<image_dir>/<key>`` and, when an
uploader is given, passed to ``put(key, data)`` (e.g. to upload it under the S3 server's
claim-check prefix). The reading's URI is ``<image_uri_prefix>/<key>`` when a prefix is
set (it must be where ``put`` puts it), else the local file's ``file://`` URI.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

__all__ = ["ImageStore", "Put"]

Put = Callable[[str, bytes], None]


class ImageStore:
    """Writes images under a root folder and says where a consumer will find them."""

    def __init__(self, root: Path, uri_prefix: str | None = None, put: Put | None = None) -> None:
        self.root = root
        self.uri_prefix = uri_prefix.rstrip("/") if uri_prefix else None
        self.put = put
        self.written = 0

    def __call__(self, key: str, data: bytes) -> str:
        """Store one image; return its URI."""
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if self.put is not None:
            self.put(key, data)
        self.written += 1
        if self.uri_prefix is not None:
            return f"{self.uri_prefix}/{key}"
        return path.resolve().as_uri()
