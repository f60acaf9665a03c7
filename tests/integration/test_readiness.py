"""The readiness report of a release on the real S3 server, through the `assay` command.

Raw, curated, quarantine and reports objects are made by the real landing and curation
functions into buckets of this test alone; the release goes to a fresh object-lock
bucket. The report is then rendered by ``assay report readiness`` against those buckets.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from minio.commonconfig import ENABLED
from minio.versioningconfig import VersioningConfig
from typer.testing import CliRunner

from assay.cli.app import app
from assay.config import Settings
from assay.govern.readiness._standards import figure
from assay.govern.releases import (
    Buckets,
    LockedS3Store,
    LockTerms,
    MaskingKey,
    ReleaseRequest,
    create_release,
)
from assay.govern.releases._provenance import activities
from assay.pipeline.ingest import landing
from assay.pipeline.validate import curation
from assay.store.objects import S3Store, s3_client
from schemas import load_contract

from ._world import edge_log

pytestmark = pytest.mark.integration

TOPIC = "assay.process_params.v1"
ORGANISATION = {
    "enterprise_name": "佛山示例精密注塑有限公司 Foshan Example Precision Moulding Co., Ltd.",
    "data_steward": "王芳 Wang Fang, data steward, wang.fang@example.cn",
    "enterprise_sites": json.dumps({"plant-it": "二号厂区 Plant 2, Foshan"}, ensure_ascii=False),
}
BADGE = "BADGE-4040"


def reading(n: int) -> dict[str, Any]:
    """One reading a minute from 08:00 on 1-3 April 2026; a few too hot, a few bad badges."""
    day, minute = 1 + n // 90, 8 * 60 + n % 90
    stamp = f"2026-04-{day:02d}T{minute // 60:02d}:{minute % 60:02d}:00.000Z"
    return {
        "producer_id": "edge-it",
        "seq": n,
        "site": "plant-it",
        "device_id": f"imm-{n % 2}",
        "event_time": stamp,
        "ingest_time": stamp,
        "mould_id": "M0007",
        "recipe_id": f"R{5000 + n % 4}",
        "material": "pc",
        "shot_count": n,
        "barrel_temp_nozzle": 950.0 if n % 41 == 3 else 231.5,
        "barrel_temp_front": 225.0,
        "barrel_temp_middle": 220.0,
        "barrel_temp_rear": 210.0,
        "mould_temp_fixed": 60.0,
        "mould_temp_moving": 61.0,
        "injection_pressure": 118.0 + n % 3,
        "holding_pressure": 80.0,
        "injection_speed": 90.0,
        "cycle_time": 32.0,
        "shot_weight": 55.0,
        "cushion": 4.5,
        "operator_id": BADGE if n % 47 == 9 else f"OP{777700 + n % 3}",
    }


@pytest.fixture(scope="module")
def released(stack_settings: Settings) -> tuple[Settings, dict[str, Any]]:
    """Settings pointing at this module's buckets, and the manifest of release 1.0.0."""
    tag = datetime.now(UTC).strftime("%H%M%S%f")
    names = {
        role: f"it-rd-{role[:3]}-{tag}"
        for role in ("raw", "curated", "quarantine", "deadletter", "reports", "releases")
    }
    client = s3_client(stack_settings)
    for role, name in names.items():
        client.make_bucket(name, object_lock=role == "releases")
    client.set_bucket_versioning(names["releases"], VersioningConfig(ENABLED))
    settings = stack_settings.model_copy(update={f"bucket_{r}": n for r, n in names.items()})
    store, contract = LockedS3Store(settings), load_contract("process_params")
    landing.land_partition(
        edge_log(TOPIC, "process_params", map(reading, range(270))),
        store,
        landing.Buckets(raw=names["raw"], deadletter=names["deadletter"], reports=names["reports"]),
        contract,
        max_records=100,
    )
    checked = curation.Buckets(**names)
    curation.validate_pending(store, checked, contract, 0)
    created = datetime.now(UTC).replace(microsecond=0)
    request = ReleaseRequest(
        contract=contract,
        version="1.0.0",
        date_from=date(2026, 4, 1),
        date_to=date(2026, 4, 2),
        created=created,
        licence="CC-BY-NC-4.0",
        requested_by="it-steward",
        comment="readiness evidence for the pilot base",
    )
    buckets = Buckets(**names)
    manifest = create_release(
        store, buckets, request, MaskingKey(b"it-readiness-key" * 2), LockTerms.after(created, 1)
    ).manifest
    return settings, manifest


def test_the_command_renders_and_uploads_the_report(
    released: tuple[Settings, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, manifest = released
    for role, bucket in settings.buckets.items():
        monkeypatch.setenv(f"ASSAY_BUCKET_{role.upper()}", bucket)
    # This module's buckets are named by no role's policy: the command runs with the root
    # pair, as one configured identity (the roles are tested in test_access, test_releases).
    access, secret = settings.s3_credentials()
    monkeypatch.setenv("ASSAY_S3_ACCESS_KEY", access)
    monkeypatch.setenv("ASSAY_S3_SECRET_KEY", secret)
    for key, value in ORGANISATION.items():
        monkeypatch.setenv(f"ASSAY_{key.upper()}", value)
    result = CliRunner().invoke(
        app, ["report", "readiness", "process_params", "1.0.0", "--output", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output

    store = S3Store(settings)
    for name in ("readiness.html", "readiness.pdf", "readiness.json", "provenance.jsonld"):
        uploaded = store.get(settings.bucket_reports, f"readiness/process_params/1.0.0/{name}")
        assert uploaded == (tmp_path / name).read_bytes()
    assert (tmp_path / "readiness.pdf").read_bytes().startswith(b"%PDF")
    assert not [k for k in store.keys(settings.bucket_releases) if "readiness" in k]

    figures = json.loads((tmp_path / "readiness.json").read_text())
    assert figures["totals"]["rows"] == manifest["totals"]["rows"]
    assert sum(v["rows"] for v in figures["volume"]) == manifest["totals"]["rows"]
    assert [d["score"] for d in figures["quality"]["dimensions"]] == [
        d["score"] for d in manifest["quality"]["dimensions"]
    ]
    window = [n for n in range(270) if n // 90 < 2]
    hot = sum(1 for n in window if n % 41 == 3)
    badges = sum(1 for n in window if n % 47 == 9)
    by_rule = {r["rule"]: r["rows"] for r in figures["quarantine"]["by_rule"]}
    assert by_rule == {"range:barrel_temp_nozzle": hot, "pattern:operator_id": badges}

    html = (tmp_path / "readiness.html").read_text()
    assert BADGE not in html and 'src="http' not in html
    assert settings.endpoint in html  # the load snippets point at this server
    assert figures["organisation"] == {
        "enterprise": ORGANISATION["enterprise_name"],
        "steward": ORGANISATION["data_steward"],
        "sites": [
            {
                "site": "plant-it",
                "name": "二号厂区 Plant 2, Foshan",
                "rows": manifest["totals"]["rows"],
            }
        ],
    }
    assert all(escape(v) in html for v in ("佛山示例精密注塑有限公司", "王芳", "二号厂区 Plant 2"))
    # The release was made without `release create`, so the event log lacks its run: it shows.
    prov = figures["provenance"]
    assert prov["runs"] == 1 + 2 * len(manifest["lineage"]["segments"])
    assert prov["found"] + len(prov["missing"]) == prov["runs"]
    assert prov["missing"][0] == activities(manifest)[0]["@id"]
    assert_every_met_clause_has_its_evidence(figures, settings, manifest)


def assert_every_met_clause_has_its_evidence(
    figures: dict[str, Any], settings: Settings, manifest: dict[str, Any]
) -> None:
    """Each clause the map claims as met points at evidence this release really holds: the
    figure is in readiness.json, the file is an object of the release (or a key of its
    manifest), the rule checked rows."""
    store, prefix = S3Store(settings), "process_params/1.0.0/"
    met = [c for s in figures["standards"] for c in s["clauses"] if c["claimed"] == "met"]
    assert len(met) >= 10 and all(c["status"] == "met" for c in met)
    for clause in met:
        for e in clause["evidence"]:
            path, _, key = e["ref"].partition("#")
            if e["kind"] == "figure":
                assert figure(figures, e["ref"]) not in (None, [], {}), e
            elif e["kind"] == "file":
                assert store.head(settings.bucket_releases, prefix + path) is not None, e
                assert not key or manifest[key], e
            else:
                assert (
                    sum(
                        r["checked"]
                        for d in figures["quality"]["dimensions"]
                        for r in d["rules"]
                        if r["kind"] == e["ref"]
                    )
                    > 0
                ), e
