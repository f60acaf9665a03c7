"""The ``simulator`` source kind and the ``python -m producers.simulator`` command."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from typer.testing import CliRunner

from producers.simulator._cli import app
from producers.sources import SourceContext, build_source, parse_options
from producers.sources.simulator import Options, SimulatorSource
from schemas import load_contract


def _options(tmp_path: Path, **extra: object) -> Options:
    data = {"name": "sim", "kind": "simulator", "contract": "sorting_events", "count": 10,
            "rate": 1, "image_dir": str(tmp_path / "img"), "truth": str(tmp_path / "truth.json"),
            **extra}  # fmt: skip
    options = parse_options(data)
    assert isinstance(options, Options)
    return options


def test_edge_config_builds_a_simulator_source(tmp_path: Path) -> None:
    options = _options(tmp_path, faults={"duplicate": 2})
    source = build_source(options, SourceContext(load_contract("sorting_events"), "plant-a"))
    readings = list(source.readings(threading.Event()))
    assert len(readings) == 30
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert truth["complete"] is True
    assert truth["contracts"]["sorting_events"]["faults"]["duplicate"]["count"] == 2


class FakeClock:
    """A wall clock that moves only when the source waits."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now


class FakeStop(threading.Event):
    def __init__(self, clock: FakeClock, stop_after: int) -> None:
        super().__init__()
        self.clock, self.left = clock, stop_after

    def wait(self, timeout: float | None = None) -> bool:
        self.clock.waits.append(timeout or 0)
        self.clock.now += timeout or 0
        self.left -= 1
        if self.left <= 0:
            self.set()
        return self.is_set()


def test_live_mode_paces_to_the_wall_clock_and_stops(tmp_path: Path) -> None:
    clock = FakeClock(1_741_000_000.0)
    source = SimulatorSource(_options(tmp_path, live=True, devices=1), clock=clock)
    stop = FakeStop(clock, stop_after=4)
    readings = list(source.readings(stop))
    assert 1 <= len(readings) <= 4
    assert all(0 < w <= 1.3 for w in clock.waits)
    assert readings[0].event_time.timestamp() == 1_741_000_000.0  # start defaults to now
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert truth["complete"] is False
    assert truth["contracts"]["sorting_events"]["readings"] == len(readings)


def test_site_option_overrides_the_simulated_sites(tmp_path: Path) -> None:
    source = SimulatorSource(_options(tmp_path, site="plant-b", sites=3))
    assert {r.site for r in source.readings(threading.Event())} == {"plant-b"}


def test_command_writes_lines_and_truth(tmp_path: Path) -> None:
    out = tmp_path / "out"
    faults = ["-f", "out_of_range=2", "-f", "counter_reset=1", "-f", "corrupt=1"]
    contracts = ["-c", "energy_meter", "-c", "machine_condition"]
    args = ["--out", str(out), *contracts, "--count", "200", "--rate", "1", *faults]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    truth = json.loads((out / "truth.json").read_text())
    for name in ("energy_meter", "machine_condition"):
        part = truth["contracts"][name]
        lines = (out / f"{name}.jsonl").read_bytes().splitlines()
        assert len(lines) == part["messages"] == 600
        assert part["faults"]["out_of_range"]["count"] == 2


def test_command_rejects_an_unknown_fault_kind(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--out", str(tmp_path), "-f", "gremlins=3"])
    assert result.exit_code == 2
