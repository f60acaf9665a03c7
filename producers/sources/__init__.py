"""Source kinds: one module per kind, found by name, imported only when configured.

A kind ``<kind>`` lives in ``producers/sources/<kind>.py`` and defines:

* ``Options`` — a pydantic model subclassing ``SourceOptions`` (``name``, ``kind``, ``contract``,
  ``payload``, ``frame_readings``, ``site``) with the kind's own keys;
* ``build(options: Options, context: SourceContext) -> Source`` — the ``Source`` to run;
* optionally ``field_map(options) -> list[FieldMap]`` — which contract fields it fills (per
  device) and in which units: ``check-config`` checks them, the edge converts the units
  (``producers.conversion``). A kind without one fills every field itself, in contract units.

Every kind has ``units: {field: unit}`` for a field its source reports in another unit than
the contract's.

``SourceContext`` carries the loaded ``contract``, the edge's ``site``, the source's last
stored ``checkpoint`` (see ``Reading.checkpoint``) and ``report(error)``: a source reports a
``SourceError`` (``BadInput``, ``SourceTypeError``, ``SourceTimeout``) there — it is logged,
counted per source and kind, and shown as the last error — and carries on. With
``wrap_transport(wrapper)`` a source that must alter what reaches Kafka (only the simulator,
to inject transport faults) wraps every transport the edge opens; ``build`` is first called
before the edge opens one.

Shipped kinds: ``csv``, ``mqtt``, ``opcua``, ``modbus`` and ``simulator``. Client libraries
(paho-mqtt, asyncua, pymodbus) are imported by their kind's module only.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType
from typing import Any

from producers._reading import Source
from producers.sources._base import FieldMap, Report, SourceContext, SourceOptions

__all__ = [
    "KINDS",
    "FieldMap",
    "Report",
    "SourceContext",
    "SourceOptions",
    "build_source",
    "field_maps",
    "kind_module",
    "parse_options",
]

KINDS = ("csv", "mqtt", "opcua", "modbus", "simulator")


def kind_module(kind: str) -> ModuleType:
    """The module implementing ``kind``; ``LookupError`` when there is none."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", kind):
        raise LookupError(kind)
    try:
        return importlib.import_module(f"producers.sources.{kind}")
    except ModuleNotFoundError as exc:
        if exc.name == f"producers.sources.{kind}":
            raise LookupError(kind) from exc
        raise


def parse_options(data: dict[str, Any]) -> SourceOptions:
    """Validate one source's options with its kind's model (pydantic errors propagate)."""
    options: SourceOptions = kind_module(str(data.get("kind"))).Options.model_validate(data)
    return options


def field_maps(options: SourceOptions) -> list[FieldMap]:
    """What the source fills, per device where it maps devices; a kind without a map (the
    simulator) fills every field itself."""
    mapper = getattr(kind_module(options.kind), "field_map", None)
    maps: list[FieldMap] = mapper(options) if mapper else [FieldMap("", None, {}, by_name=True)]
    return [m.with_source_units(options) for m in maps]


def build_source(options: SourceOptions, context: SourceContext) -> Source:
    """Build the configured source."""
    source: Source = kind_module(options.kind).build(options, context)
    return source
