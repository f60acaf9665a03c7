"""The S3 server of the local stack: Versity Gateway over a posix folder, built with ``go install``.

assay only speaks S3, so MinIO, SeaweedFS, Ceph RGW or a cloud S3 serve as well in a
real deployment; this one is Apache-2.0, maintained, and builds from the Go module proxy.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from assay.config import ROOT
from assay.devstack.stack import _process
from assay.devstack.stack._service import Prerequisite, Progress, Service

MODULE = "github.com/versity/versitygw/cmd/versitygw"
VERSION = "v1.8.0"
HEALTH_PATH = "/health"


class S3Server(Service):
    """Versity Gateway, posix backend, bucket versioning on, bound to loopback."""

    name = "s3"
    prerequisites = (
        Prerequisite("go", "install Go 1.24+ (https://go.dev/doc/install or Debian's golang)"),
    )
    ready_timeout = 60.0

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.s3_port,)

    @property
    def binary(self) -> Path:
        """The built gateway, cached per version."""
        return self.settings.cache_dir.expanduser() / f"versitygw-{VERSION}" / "versitygw"

    def provision(self, progress: Progress) -> None:
        if self.binary.is_file():
            return
        progress(f"s3: building Versity Gateway {VERSION} with `go install` (once, a few minutes)")
        env = {**os.environ, "GOBIN": str(self.binary.parent), "CGO_ENABLED": "0"}
        self.run_step(
            ["go", "install", f"{MODULE}@{VERSION}"],
            env=env,
            what=f"`go install {MODULE}@{VERSION}`",
            fix="check that the Go module proxy is reachable (GOPROXY), then run "
            "`assay stack up` again",
        )

    def prepare(self, progress: Progress) -> None:
        # Every layer's objects sit here as plain files: only the server's user may enter,
        # so bucket policies cannot be walked around on the file system.
        for folder in (self.home, *(self.home / sub for sub in ("data", "versions", "iam"))):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            folder.chmod(0o700)

    def argv(self) -> list[str]:
        return [
            str(self.binary),
            "--port",
            f"127.0.0.1:{self.settings.s3_port}",
            "--region",
            self.settings.s3_region,
            "--iam-dir",
            str(self.home / "iam"),
            "--health",
            HEALTH_PATH,
            "--quiet",
            "posix",
            "--versioning-dir",
            str(self.home / "versions"),
            str(self.home / "data"),
        ]

    def env(self) -> dict[str, str]:
        access, secret = self.settings.s3_credentials(ROOT)
        # Through the environment, so the secret does not show in `ps`.
        return {**super().env(), "ROOT_ACCESS_KEY": access, "ROOT_SECRET_KEY": secret}

    def probe(self) -> bool:
        """Ready when an authenticated ListBuckets answers."""
        if not self._health():
            return False
        from minio.error import MinioException

        from assay.store.objects import s3_client

        try:
            s3_client(self.settings.as_role(ROOT)).list_buckets()
        except (MinioException, OSError, ValueError):
            return False
        return True

    def _health(self) -> bool:
        return _process.answers_ok(f"http://127.0.0.1:{self.settings.s3_port}{HEALTH_PATH}")

    def version(self) -> str:
        if not self.binary.is_file():
            return "not provisioned"
        done = subprocess.run(
            ["go", "version", "-m", str(self.binary)], capture_output=True, text=True, check=False
        )
        match = re.search(r"^\s*mod\s+\S+\s+(v\S+)", done.stdout, re.MULTILINE)
        return f"Versity Gateway {match[1] if match else VERSION} (posix)"

    def exports(self) -> dict[str, str]:
        # No keys: each command picks its role's keys from the state folder.
        return {"ASSAY_S3_ENDPOINT": self.settings.endpoint}
