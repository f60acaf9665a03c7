"""Healthy readings: deterministic, valid against the contract, physically consistent."""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from simulator_checks import judge
from simulator_runs import Run, simulate

from producers.simulator import encode_png, failure_flags, power_w
from producers.simulator._condition import OSF_LIMIT
from schemas import to_json_schema


def _docs(run: Run) -> list[dict]:
    return [json.loads(line) for line in run.lines]


def _key(run: Run) -> list[tuple]:
    return [
        (i.reading.device_id, i.reading.event_time, i.reading.values, i.arrival_ms)
        for i in run.items
    ]


def test_same_seed_same_readings_other_seed_other_readings(tmp_path: Path) -> None:
    first = simulate("process_params", tmp_path / "a", count=200, faults={"stuck": 0, "late": 2})
    again = simulate("process_params", tmp_path / "b", count=200, faults={"late": 2})
    other = simulate("process_params", tmp_path / "c", count=200, faults={"late": 2}, seed=12)
    assert _key(first) == _key(again)
    assert first.lines == again.lines
    assert _key(first) != _key(other)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32), devices=st.integers(1, 4), rate=st.sampled_from([0.1, 0.5, 2.0]))
def test_runs_are_a_pure_function_of_their_parameters(
    tmp_path: Path, seed: int, devices: int, rate: float
) -> None:
    one = simulate(
        "machine_condition", tmp_path / "x", seed=seed, devices=devices, rate=rate, count=60
    )
    two = simulate(
        "machine_condition", tmp_path / "y", seed=seed, devices=devices, rate=rate, count=60
    )
    assert one.lines == two.lines
    assert one.truth["contracts"] == two.truth["contracts"]


def test_healthy_readings_validate_against_the_json_schema(clean_run: Run) -> None:
    validator = jsonschema.Draft202012Validator(to_json_schema(clean_run.contract))
    for doc in _docs(clean_run):
        errors = [e.message for e in validator.iter_errors(doc)]
        assert errors == [], (doc, errors)


def test_healthy_readings_trip_no_rule(clean_run: Run) -> None:
    verdict = judge(clean_run.lines, clean_run.contract)
    assert {rule: ids for rule, ids in verdict.flagged.items() if ids} == {}
    assert clean_run.part["expected"]["curated"] == len(clean_run.lines)


def test_faulty_run_rows_outside_faults_validate(faulty_run: Run) -> None:
    validator = jsonschema.Draft202012Validator(to_json_schema(faulty_run.contract))
    schema_breakers = {"out_of_range", "missing_field", "wrong_type", "corrupt"}
    for item, line in zip(faulty_run.items, _unique_lines(faulty_run), strict=True):
        if item.fault is None or item.fault.value not in schema_breakers:
            assert not list(validator.iter_errors(json.loads(line)))
        elif item.fault.value != "corrupt":
            assert list(validator.iter_errors(json.loads(line)))


def _unique_lines(run: Run) -> list[bytes]:
    out: list[bytes] = []
    for line in run.lines:
        if out and out[-1] == line:
            continue  # the replayed copy of a duplicate
        out.append(line)
    return out


def test_time_comes_from_the_parameters(clean_run: Run) -> None:
    step_ms = clean_run.config.step_ms
    first = clean_run.items[0].reading.event_time
    assert first.isoformat() == "2025-03-08T06:00:00+00:00"
    by_device: dict[str, list] = {}
    for item in clean_run.items:
        by_device.setdefault(item.reading.device_id, []).append(item.reading.event_time)
    for times in by_device.values():
        gaps = {(b - a).total_seconds() * 1000 for a, b in pairwise(times)}
        assert gaps == {step_ms}


def test_machine_condition_follows_the_ai4i_rules(clean_run: Run) -> None:
    if clean_run.contract.name != "machine_condition":
        return
    for doc in _docs(clean_run):
        flags = failure_flags(doc, doc["twf"], doc["rnf"])
        assert {k: doc[k] for k in flags} == flags
        if doc["twf"]:
            assert 200 <= doc["tool_wear"] <= 240
        assert abs(doc["process_temperature"] - doc["air_temperature"] - 10) < 4
        assert doc["pwf"] == (not 3500 <= power_w(doc["torque"], doc["rotational_speed"]) <= 9000)
        assert doc["osf"] == (doc["tool_wear"] * doc["torque"] > OSF_LIMIT[doc["product_type"]])


def test_ai4i_failures_happen_at_plausible_rates(tmp_path: Path) -> None:
    docs = _docs(simulate("machine_condition", tmp_path, count=4000, devices=2))
    share = {
        k: sum(d[k] for d in docs) / len(docs)
        for k in ("twf", "hdf", "pwf", "osf", "machine_failure")
    }
    assert 0.001 < share["machine_failure"] < 0.1
    assert share["pwf"] > 0 and share["hdf"] > 0 and share["osf"] > 0 and share["twf"] > 0


def test_energy_current_follows_power_voltage_and_power_factor(clean_run: Run) -> None:
    if clean_run.contract.name != "energy_meter":
        return
    for doc in _docs(clean_run):
        p_w, pf = doc["active_power"] * 1000, doc["power_factor"]
        if doc["voltage_l2"] is None:
            expected = p_w / (doc["voltage_l1"] * pf)
        else:  # I = P / (√3 · V_LL · pf) with V_LL = √3 · V_LN
            expected = p_w / (math.sqrt(3) * math.sqrt(3) * doc["voltage_l1"] * pf)
        assert math.isclose(doc["current_l1"], expected, rel_tol=0.06, abs_tol=0.05)


def test_process_barrel_temperature_rises_with_cycle_time(clean_run: Run) -> None:
    if clean_run.contract.name != "process_params":
        return
    by_device: dict[str, list[dict]] = {}
    for doc in _docs(clean_run):
        by_device.setdefault(doc["device_id"], []).append(doc)
    for docs in by_device.values():
        slow = [d for d in docs if d["cycle_time"] > 1.4 * min(x["cycle_time"] for x in docs)]
        fast = [d for d in docs if d not in slow]
        if slow and fast:

            def mean(rows: list[dict]) -> float:
                return sum(r["barrel_temp_nozzle"] for r in rows) / len(rows)

            assert mean(slow) > mean(fast)


def test_energy_counter_only_rises_between_resets(clean_run: Run) -> None:
    for name, spec in clean_run.contract.fields.items():
        if not spec.monotonic_per:
            continue
        by_device: dict[str, list] = {}
        for doc in sorted(_docs(clean_run), key=lambda d: d["event_time"]):
            by_device.setdefault(doc["device_id"], []).append(doc[name])
        for values in by_device.values():
            drops = [b for a, b in pairwise(values) if b < a]
            assert all(b <= (spec.reset_below or 0) for b in drops)


def test_images_match_their_claim_checks(clean_run: Run) -> None:
    if clean_run.contract.name != "visual_inspection":
        return
    for doc in _docs(clean_run)[:300]:
        path = Path(urlparse(doc["image"]["uri"]).path)
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == doc["image"]["sha256"]
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) < 16_000


def test_png_holds_the_pixels_it_was_given() -> None:
    pixels = bytes(range(256)) * 2
    png = encode_png(32, 16, pixels)
    idat = png[png.index(b"IDAT") + 4 : png.index(b"IEND") - 8]
    rows = zlib.decompress(idat)
    assert b"".join(rows[r * 33 + 1 : (r + 1) * 33] for r in range(16)) == pixels


def test_images_are_uploaded_through_the_hook(tmp_path: Path) -> None:
    from producers.simulator import Simulation, SimulatorConfig

    uploaded: dict[str, bytes] = {}
    config = SimulatorConfig(contract="visual_inspection", count=5, devices=2, image_dir=tmp_path,
                             image_uri_prefix="s3://claims/vi/")  # fmt: skip
    items = list(Simulation(config, put=uploaded.__setitem__).run())
    for item in items:
        uri = item.reading.values["image"]["uri"]
        key = uri.removeprefix("s3://claims/vi/")
        assert hashlib.sha256(uploaded[key]).hexdigest() == item.reading.values["image"]["sha256"]
        assert (tmp_path / key).read_bytes() == uploaded[key]
