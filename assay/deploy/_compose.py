"""The docker-compose deployment (infra/compose) from its templates and the settings code.

What the settings code decides is filled in, the rest is the template's: the tasks'
``ASSAY_*`` environment (`_env.task_env`, as in the Helm values) and the Kafka principals
(the broker, then `_strimzi.principals` of the ACL plan ``assay access kafka-apply``
creates), each with its password secret and its SCRAM credentials at format time. The tasks'
connections (S3, ingest's Kafka, the watchers') come from ``assay access airflow-connections``,
made by the local stack's own code, into a secret file.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from assay.deploy import _env, _strimzi
from assay.devstack.stack.kafka_auth import BROKER, INGEST
from assay.govern.access import pipeline_kafka_grants

TEMPLATES = Path(__file__).resolve().parent / "templates"
SECRETS = PurePosixPath("/run/secrets")
BOOTSTRAP = "kafka:9092"
ENDPOINT = "http://s3:7070"
FILES = ("docker-compose.yml", "kafka-start.sh")
_PLAIN = re.compile(r"[A-Za-z0-9_.:/@+-]+")


def compose_files() -> dict[str, str]:
    """File name -> text of infra/compose's generated files."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=plain_token,
    )
    context = {
        "task_env": task_env(),
        "principals": principals(),
        "bootstrap": BOOTSTRAP,
        "endpoint": ENDPOINT,
    }
    return {name: env.get_template(f"{name}.j2").render(context) for name in FILES}


def principals() -> list[str]:
    """Everyone the compose broker knows, itself first."""
    return [BROKER, *_strimzi.principals(pipeline_kafka_grants())]


def task_env() -> dict[str, str]:
    password = Path(SECRETS / f"kafka_{INGEST}_password")
    return _env.task_env(BOOTSTRAP, ENDPOINT, password, Path(SECRETS / "kafka_ca_pem"))


def plain_token(value: object) -> str:
    """A rendered value as is, if it needs no quoting in YAML or shell; else a `ValueError`:
    these templates escape by refusing, as a name or path with spaces or quotes is a mistake."""
    text = str(value)
    if not _PLAIN.fullmatch(text):
        raise ValueError(f"{text!r} is not a plain name, path or URL; it would need quoting")
    return text
