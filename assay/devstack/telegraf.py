"""Telegraf, the collector many plants already run, built here to test infra/telegraf/ end to end.

Not a service of the stack: a factory runs its own Telegraf. The integration tests run the
shipped configuration against the stack's Kafka, so a binary with exactly the plugins that
configuration names is built once with ``go install`` from the Go module proxy (like the S3
server) and cached per version. Telegraf's ``custom`` build tag limits the build to those
plugins (docs/CUSTOMIZATION.md in Telegraf's repository); the full agent takes far longer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from assay.config import Settings
from assay.devstack.stack._service import Progress
from assay.errors import StackError

MODULE = "github.com/influxdata/telegraf"
VERSION = "v1.37.2"
#: Every plugin infra/telegraf/*.conf uses; `custom` leaves all others out.
PLUGINS = ("inputs.modbus", "outputs.kafka", "serializers.json")
INSTALL_GO = (
    "install Go 1.24+ (https://go.dev/doc/install); it fetches the toolchain Telegraf asks for"
)


def telegraf_binary(settings: Settings) -> Path:
    """Where the built agent is cached, per version."""
    return settings.cache_dir.expanduser() / f"telegraf-{VERSION}" / "telegraf"


def ensure_telegraf(settings: Settings, progress: Progress) -> Path:
    """The cached agent, built first when missing (a minute or two on two cores, once)."""
    binary = telegraf_binary(settings)
    if binary.is_file():
        return binary
    if shutil.which("go") is None:
        raise StackError("telegraf", "`go` is not on the PATH", INSTALL_GO)
    plugins = ", ".join(PLUGINS)
    progress(f"telegraf: building Telegraf {VERSION} ({plugins}) with `go install` (once, minutes)")
    _go_install(binary.parent)
    return binary


def _go_install(gobin: Path) -> None:
    version = f"-X {MODULE}/internal.Version={VERSION.removeprefix('v')}"
    argv = ["go", "install", "-tags", ",".join(("custom", *PLUGINS)), "-ldflags", version]
    env = {**os.environ, "GOBIN": str(gobin), "CGO_ENABLED": "0"}
    done = subprocess.run(
        [*argv, f"{MODULE}/cmd/telegraf@{VERSION}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr)[-2000:]
        fix = "check that the Go module proxy is reachable (GOPROXY), then run it again"
        raise StackError("telegraf", f"`go install` of {MODULE} {VERSION} failed:\n{output}", fix)
