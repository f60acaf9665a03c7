"""Factory simulator with exact fault injection, and the ground truth of what it injected.

One device model per shipped contract, deterministic from a seed (same seed and
parameters, same readings): ``energy_meter`` (feeder meters; power follows machine state,
``I = P / (√3 · V_LL · pf)``, energy only rises), ``process_params`` (injection moulding;
barrel temperatures drift with cycle time), ``visual_inspection`` (verdicts plus small PNG
images by claim-check), ``sorting_events`` (sorting lines) and ``machine_condition`` (AI4I
2020 milling with its failure rules). Shifts (day, night, weekend) set the load; machines
move between run, idle and fault. Simulated time is ``start + k / rate``; only a live run
paces to the wall clock.

Faults, exact in count, one per faulty reading, each between clean readings, and what
each must trip downstream (rule ids as ``schemas.compile_rules`` names them):

================  ==============================  ============  ==============================
kind              rule it trips                   dimension     outcome per faulty reading
================  ==============================  ============  ==============================
out_of_range      ``range:<field>``               accuracy      quarantine (1 row)
stuck             ``stuck:<field>``               accuracy      flagged, kept: one run of
                                                                stuck_after + 1 equal values
missing_field     ``not_null:<field>``            completeness  quarantine (1 row)
wrong_type        dead letter ``type_mismatch``   normative     dead-lettered (1 reading)
duplicate         ``unique:producer_id+seq``      consistency   the replay is dropped, counted
corrupt           dead letter ``invalid_json``    normative     dead-lettered (1 reading)
late              ``freshness:event_time``        timeliness    flagged, kept (ingest - event
                                                                above the contract freshness)
out_of_order      none (arrives after the next    -             accepted: stream rules order
                  reading, still fresh)                         by event time
clock_skew        ``future:event_time`` timeliness    quarantine (event time ahead
                                                                of ingest by ``clock_skew``)
counter_reset     ``monotonic:<field>``           consistency   quarantine (one reading dips
                                                                to a value above reset_below)
legitimate_reset  must NOT trip ``monotonic``     -             accepted (drop to at most
                                                                reset_below)
================  ==============================  ============  ==============================

Timing faults change only the arrival (``ingest_time``), never the event time, so a late,
skewed or out-of-order reading disturbs no stream rule. Transport faults (``InjectedFault``:
corrupt, duplicate) are applied on the way to Kafka by the simulator alone: ``send_all`` for a
run it encodes itself, ``FaultyTransport`` around the edge's transport for a ``kind:
simulator`` source. ``Simulation.truth()`` (see ``_truth``) lists every injected fault by
device and event time.
"""

from producers.simulator._condition import failure_flags, power_w
from producers.simulator._config import FaultKind, SimulatorConfig
from producers.simulator._errors import (
    FaultCapacityError,
    FaultNotSupportedError,
    SimulatorError,
)
from producers.simulator._expectations import (
    Expectation,
    expectation,
    supported_kinds,
    target_field,
)
from producers.simulator._faults import FaultBook, FaultyTransport, InjectedFault
from producers.simulator._fleet import MODELS
from producers.simulator._images import ImageStore, Put
from producers.simulator._output import KafkaOutput, send_all
from producers.simulator._png import encode_png
from producers.simulator._run import Simulation
from producers.simulator._simulated import Simulated
from producers.simulator._truth import FORMAT as TRUTH_FORMAT

__all__ = [
    "MODELS",
    "TRUTH_FORMAT",
    "Expectation",
    "FaultBook",
    "FaultCapacityError",
    "FaultKind",
    "FaultNotSupportedError",
    "FaultyTransport",
    "ImageStore",
    "InjectedFault",
    "KafkaOutput",
    "Put",
    "Simulated",
    "Simulation",
    "SimulatorConfig",
    "SimulatorError",
    "encode_png",
    "expectation",
    "failure_flags",
    "power_w",
    "send_all",
    "supported_kinds",
    "target_field",
]
