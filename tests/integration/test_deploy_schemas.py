"""The generated deployment in infra/k8s against the schemas Kubernetes and Strimzi enforce.

Offline, from package registries only:

- Kubernetes resources (the DAGs' ConfigMap): ``kubeconform -strict``, built with
  ``go install`` and cached under ``~/.cache/assay``, against the Kubernetes JSON schemas
  the ``kubernetes-validate`` package ships (made standalone here: its shared definitions
  are inlined, since kubeconform loads one file per kind).
- Strimzi resources (Kafka, KafkaNodePool, KafkaTopic, KafkaUser): the validators of the npm
  package ``@kubernetes-models/strimzi-kafka-operator``, compiled from Strimzi's CRD
  ``openAPIV3Schema``, run with node; installed once into ``~/.cache/assay``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "infra" / "k8s"
CACHE = Path.home() / ".cache" / "assay"
KUBECONFORM = "github.com/yannh/kubeconform/cmd/kubeconform"
KUBECONFORM_VERSION = "v0.8.0"
KUBERNETES_VERSION = "v1.35.0"
MODELS = "@kubernetes-models/strimzi-kafka-operator"
MODELS_VERSION = "1.0.1"
STRIMZI_GROUP = "kafka.strimzi.io"

VALIDATE_JS = """
import { readFileSync } from "node:fs";
const docs = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = [];
for (const doc of docs) {
  const [group, version] = doc.apiVersion.split("/");
  const module = await import(`MODELS/${group}/${version}/${doc.kind}`);
  try { new module[doc.kind](doc).validate(); results.push(null); }
  catch (error) { results.push(String(error.message)); }
}
console.log(JSON.stringify(results));
""".replace("MODELS", MODELS)


def documents(kind_group: str | None) -> list[dict[str, Any]]:
    """The generated resources, Strimzi's (``kind_group`` its group) or the others (None)."""
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if "kind" not in doc:
                continue  # the Helm values file is no resource
            group = doc["apiVersion"].partition("/")[0] if "/" in doc["apiVersion"] else None
            if group == kind_group:
                found.append(doc)
    return found


def kubeconform() -> Path:
    binary = CACHE / f"kubeconform-{KUBECONFORM_VERSION}" / "kubeconform"
    if not binary.is_file():
        env = {**os.environ, "GOBIN": str(binary.parent), "CGO_ENABLED": "0"}
        cmd = ["go", "install", f"{KUBECONFORM}@{KUBECONFORM_VERSION}"]
        subprocess.run(cmd, env=env, check=True, timeout=900)
    return binary


def standalone_schemas(folder: Path, kinds: set[str]) -> Path:
    """kubeconform's layout of strict schemas for ``kinds`` (``kind-version.json``)."""
    import kubernetes_validate

    source = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    source = source / f"{KUBERNETES_VERSION}-local-strict"
    defs = json.loads((source / "_definitions.json").read_text())
    target = folder / f"{KUBERNETES_VERSION}-standalone-strict"
    target.mkdir(parents=True)
    for name in kinds:
        schema = json.loads((source / name).read_text())
        schema["$defs"] = defs.get("$defs", defs.get("definitions"))
        text = json.dumps(schema).replace('"/api/_definitions.json#', '"#')
        (target / name).write_text(text)
    return folder


def kubeconform_report(files: list[Path], kinds: set[str], tmp_path: Path) -> dict[str, Any]:
    """kubeconform's JSON report on ``files``; Strimzi's kinds are checked below instead."""
    schemas = standalone_schemas(tmp_path / "schemas", kinds)
    template = "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}"
    location = f"{schemas}/{template}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json"
    cmd = [str(kubeconform()), "-strict", "-summary", "-output", "json"]
    cmd += ["-kubernetes-version", KUBERNETES_VERSION.lstrip("v"), "-schema-location", location]
    cmd += ["-skip", "Kafka,KafkaNodePool,KafkaTopic,KafkaUser"]
    done = subprocess.run([*cmd, *map(str, files)], capture_output=True, text=True, timeout=120)
    report: dict[str, Any] = json.loads(done.stdout)
    report["returncode"] = done.returncode
    return report


def schema_names(resources: list[dict[str, Any]]) -> set[str]:
    return {f"{d['kind'].lower()}-{d['apiVersion']}.json" for d in resources}


def test_kubernetes_resources_pass_kubeconform(tmp_path: Path) -> None:
    resources = documents(None)
    assert {d["kind"] for d in resources} == {"ConfigMap"}
    files = [p for p in sorted(K8S.glob("*.yaml")) if p.name != "airflow-values.yaml"]
    report = kubeconform_report(files, schema_names(resources), tmp_path)
    assert report["returncode"] == 0, report
    assert report["summary"]["valid"] == len(resources), report


def test_kubeconform_rejects_a_field_kubernetes_does_not_know(tmp_path: Path) -> None:
    resources = documents(None)
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump({**resources[0], "bogus": 1}))
    report = kubeconform_report([broken], schema_names(resources), tmp_path)
    assert report["returncode"] == 1 and report["summary"]["invalid"] == 1, report


def strimzi_models() -> Path:
    folder = CACHE / f"strimzi-models-{MODELS_VERSION}"
    if not (folder / "node_modules" / MODELS / "package.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text('{"private": true}\n')
        cmd = ["npm", "install", "--no-audit", "--no-fund", f"{MODELS}@{MODELS_VERSION}"]
        subprocess.run(cmd, cwd=folder, check=True, timeout=600)
    (folder / "validate.mjs").write_text(VALIDATE_JS)
    return folder


def strimzi_problems(docs: list[dict[str, Any]], tmp_path: Path) -> list[str | None]:
    folder = strimzi_models()
    data = tmp_path / "docs.json"
    data.write_text(json.dumps(docs))
    cmd = ["node", str(folder / "validate.mjs"), str(data)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120)
    problems: list[str | None] = json.loads(done.stdout)
    return problems


def test_strimzi_resources_match_their_crd_schemas(tmp_path: Path) -> None:
    docs = documents(STRIMZI_GROUP)
    assert {d["kind"] for d in docs} == {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"}
    problems = strimzi_problems(docs, tmp_path)
    names = [d["metadata"]["name"] for d in docs]
    assert problems == [None] * len(docs), list(zip(names, problems, strict=True))


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [
        ("ingest", ("spec", "authorization", "acls", 0, "operations", 0), "Bogus"),
        ("assay.energy-meter.v1", ("spec", "partitions"), "six"),
    ],
)
def test_the_strimzi_check_rejects_a_broken_resource(
    tmp_path: Path, name: str, path: tuple[Any, ...], value: Any
) -> None:
    doc = next(d for d in documents(STRIMZI_GROUP) if d["metadata"]["name"] == name)
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert strimzi_problems([doc], tmp_path)[0] is not None
