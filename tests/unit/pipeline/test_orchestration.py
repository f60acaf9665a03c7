"""The DAG factory's wiring, built without a running Airflow."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.config import Settings
from assay.pipeline.airflow import dags, workload
from schemas import Contract, load_contract


@pytest.fixture
def contract() -> Contract:
    return load_contract("energy_meter")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", cache_dir=tmp_path / "cache")


@pytest.mark.parametrize("build", [dags.ingest_dag, dags.validate_dag])
def test_a_plan_task_maps_the_work_units(build, contract: Contract, settings: Settings) -> None:
    dag = build(contract, settings)
    assert set(dag.task_dict) == {"plan", dag.dag_id.split("_")[1]}
    worker = dag.task_dict[dag.dag_id.split("_")[1]]
    assert worker.upstream_task_ids == {"plan"}
    assert worker.max_active_tis_per_dagrun == workload.SLOTS
    assert dag.max_active_runs == 1


def test_the_watcher_polls_briefly_so_it_does_not_hold_up_the_others(
    contract: Contract, settings: Settings
) -> None:
    (watcher,) = dags.topic_asset(contract, settings).watchers
    _, kwargs = watcher.trigger.serialize()
    assert kwargs["poll_timeout"] <= 0.25
    assert kwargs["apply_function"] == "assay.pipeline.airflow.wakeup.on_message"
    assert kwargs["commit_offset"] is False


def test_retention_runs_daily_one_task_per_contract(contract: Contract) -> None:
    other = load_contract("process_params")
    dag = dags.retention_dag([contract, other])
    assert dag.dag_id == "assay_retention" and dag.max_active_runs == 1
    assert dag.timetable.summary == dags.DAILY
    (expire,) = dag.task_dict.values()
    assert expire.task_id == "expire"
    assert expire.op_kwargs_expand_input.value == {"name": ["energy_meter", "process_params"]}


def test_a_site_contract_gets_its_dags_and_a_broken_one_none(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from schemas._loader import shipped_contracts_dir

    site = tmp_path / "site"
    site.mkdir()
    text = (shipped_contracts_dir() / "energy_meter.yaml").read_text(encoding="utf-8")
    (site / "press_line.yaml").write_text(text.replace("name: energy_meter", "name: press_line"))
    (site / "broken_line.yaml").write_text("name: broken_line\nversion: [\n")
    monkeypatch.setenv("ASSAY_CONTRACTS_DIR", str(site))
    built = dags.pipeline_dags()
    assert {"assay_ingest_press_line", "assay_validate_press_line"} <= set(built)
    assert "assay_ingest_energy_meter" in built
    assert not any("broken_line" in dag_id for dag_id in built)


@pytest.mark.parametrize("build", [dags.ingest_dag, dags.validate_dag])
def test_a_dag_carries_the_contracts_owner_title_and_description(
    build, contract: Contract, settings: Settings
) -> None:
    dag = build(contract, settings)
    assert dag.owner == contract.owner == "facilities-energy"
    assert {t.owner for t in dag.tasks} == {contract.owner}
    assert contract.title.zh in dag.dag_display_name and contract.title.en in dag.dag_display_name
    assert dag.description.startswith(("Land energy_meter v1", "Validate energy_meter v1"))
    assert contract.description.en[:40] in dag.description


def test_assay_is_an_airflow_provider() -> None:
    import json
    from importlib.metadata import entry_points

    import airflow
    import jsonschema

    from assay.pipeline.airflow.provider import get_provider_info

    (entry,) = [e for e in entry_points(group="apache_airflow_provider") if e.dist.name == "assay"]
    assert entry.load() is get_provider_info
    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)
    for path in get_provider_info()["executors"]:
        module, _, name = path.rpartition(".")
        assert hasattr(__import__(module, fromlist=[name]), name)


def test_notify_runs_every_ten_minutes_one_task() -> None:
    dag = dags.notify_dag()
    assert dag.dag_id == "assay_notify" and dag.max_active_runs == 1
    assert dag.timetable.summary == dags.FALLBACK and set(dag.task_dict) == {"notify"}


def test_asset_events_carry_counts_and_scores() -> None:
    from assay.pipeline.airflow.tasks import asset_extra

    landed = {"contract": "energy_meter", "partitions": [0, 1], "segments": [{}, {}],
              "readings": 90, "dead_readings": 3}  # fmt: skip
    assert asset_extra(landed) == {"contract": "energy_meter", "partitions": [0, 1],
                                   "segments": 2, "readings": 90, "dead_lettered": 3}  # fmt: skip
    scores = {"score": 0.99, "accuracy": 0.98, "timeliness": None}
    validated = {"contract": "energy_meter", "partitions": [0], "segments": 1, "readings": 10,
                 "duplicates": 1, "curated": 8, "quarantined": 1, "dead_readings": 0,
                 "scores": scores}  # fmt: skip
    extra = asset_extra(validated)
    assert (extra["curated"], extra["quarantined"], extra["duplicates"]) == (8, 1, 1)
    assert extra["dead_lettered"] == 0 and extra["scores"] == scores
    import json

    assert json.loads(json.dumps(extra)) == extra


def test_the_scores_of_a_task_are_those_of_its_segments(tmp_path: Path) -> None:
    from assay.pipeline.airflow.tasks import scores
    from assay.pipeline.validate.curation import Summary

    def summary(passed: int) -> Summary:
        dims = [{"dimension": "accuracy", "checked": 10, "passed": passed}]
        return Summary("m", "1.0.0", "s", "k", 10, 0, 10, 0, 0, 0, scores={"dimensions": dims})

    found = scores([summary(10), summary(8)])
    assert found["accuracy"] == 0.9 and found["score"] == 0.9 and found["timeliness"] is None
