"""Where every object lives: names are pure functions of the records they hold.

A raw object is named after the Kafka records it holds — topic, partition and start
offset, as Kafka Connect's S3 sink does — and everything derived from it (dead letters,
curated and quarantine files, reports, dedup watermarks) takes the same stem, so a
crashed or re-run task rewrites the same objects instead of adding new ones.

Every key uses only ``[A-Za-z0-9._=/-]``: DuckDB's httpfs sends a ``+`` as a space, and
Hive, Athena and Spark mangle ``+`` and ``%`` too. The stem is
``<topic>-p<partition>-o<start, 20 digits>``; topics may hold ``-``, but the stem is read
from its end, where the offset's fixed width makes the split unambiguous.

    raw         <contract>/v<major>/partition=<p>/<stem>.parquet
    deadletter  <contract>/v<major>/partition=<p>/<stem>.parquet
                <contract>/v<major>/partition=<p>/<stem>.validation-skipped.parquet   (its readings,
                when an operator skipped the segment's validation)
    curated     <contract>/v<major>/<field>=<value>/…/<stem>.parquet   (the contract's partition_by)
    quarantine  <contract>/v<major>/partition=<p>/<stem>.parquet
    reports     <contract>/v<major>/partition=<p>/<stem>/{summary,validation,scores}.json …
    state       <contract>/v<major>/partition=<p>/<stem>.watermark.json   (in the reports bucket)
    decisions   decisions/<contract>/v<major>/<decision id>.json      (quarantine bucket)
    accepted    <contract>/v<major>/<field>=<value>/…/accepted-<decision id>.parquet (curated)
    drafts      _drafts/<contract>/<version>/…                       (releases bucket)
    release     <contract>/<version>/data/date=<date>/<site>-<nnnn>.parquet   (releases bucket)

Curated folders are Hive-style, one per ``partition_by`` entry in the contract's order
(``date`` is the UTC date of the event time), so DuckDB, Polars, pyarrow and Spark read them
as columns. A value is written as it is when it keeps to ``[A-Za-z0-9._-]`` and does not
start with ``_``; any other is escaped by `path_value` (``_`` first, then ``_XX`` per UTF-8
byte outside ``[A-Za-z0-9.-]``), which keeps the key within the safe characters.

Stores written before this naming hold ``<topic>+<partition>+<start>`` stems. `Segment.parse`
reads both; a segment parsed from an old name keeps producing old names (so re-running it
rewrites its own objects), until ``assay store migrate`` renames them.
    stalls      state/<contract>/v<major>/stalls/<stage>/partition=<p>.json   (reports bucket)
    losses      state/<contract>/v<major>/losses/partition=<p>/<start>.json   (raw bucket)
    expired     expired/<contract>/v<major>/partition=<p>/<run time>-<sha256>.json   (reports)
                expired/<contract>/v<major>/objects/<run time>-<sha256>.json   (accepted, claims)
    claims      claims/<contract>/…   (raw bucket: image claim-checks the edge puts)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

OFFSET_DIGITS = 20
SAFE_KEY = re.compile(r"[A-Za-z0-9._=/-]+")
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
DRAFTS = "_drafts/"
DECISIONS = "decisions/"
ACCEPTED = "accepted-"
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9.-][A-Za-z0-9._-]*")
_KEPT = re.compile(r"[A-Za-z0-9.-]")
_TOKEN = re.compile(r"_([0-9A-F]{2})|[A-Za-z0-9.-]")
_ESCAPED = re.compile(r"(?:[A-Za-z0-9.-]|_[0-9A-F]{2})*")
# A stem fills a whole path component: from a '/' (or the start) up to '.', '/' or the end.
# The topic is greedy, so the partition and offset are the last ones in the component.
_STEM = re.compile(
    rf"(?:^|/)(?P<topic>[A-Za-z0-9._-]+)-p(?P<partition>\d+)-o(?P<start>\d{{{OFFSET_DIGITS}}})"
    r"(?=[./]|$)"
)
_LEGACY_STEM = re.compile(
    rf"(?P<topic>[\w.-]+)\+(?P<partition>\d+)\+(?P<start>\d{{{OFFSET_DIGITS}}})"
)


@dataclass(frozen=True, order=True)
class Segment:
    """One landed range of one Kafka partition: the identity every derived object shares.

    ``legacy`` marks a segment whose objects still carry the old ``+`` name; it takes no
    part in equality or order, so a segment is the same whichever name it was read from.
    """

    topic: str
    partition: int
    start: int
    legacy: bool = field(default=False, compare=False)

    @property
    def stem(self) -> str:
        """``<topic>-p<partition>-o<start, zero-padded>`` (old stores: ``<topic>+<p>+<start>``)."""
        if self.legacy:
            return f"{self.topic}+{self.partition}+{self.start:0{OFFSET_DIGITS}d}"
        return f"{self.topic}-p{self.partition}-o{self.start:0{OFFSET_DIGITS}d}"

    def renamed(self) -> Segment:
        """The same segment under the current name."""
        return replace(self, legacy=False)

    def as_legacy(self) -> Segment:
        """The same segment under the old ``+`` name (to find objects written before)."""
        return replace(self, legacy=True)

    @classmethod
    def parse(cls, name: str) -> Segment:
        """The segment of any object name that carries a stem, old or new."""
        if match := _STEM.search(name):
            return cls(match["topic"], int(match["partition"]), int(match["start"]))
        if match := _LEGACY_STEM.search(name):
            return cls(match["topic"], int(match["partition"]), int(match["start"]), legacy=True)
        raise ValueError(
            f"{name!r} does not name a segment (<topic>-p<partition>-o<offset>, "
            "or the old <topic>+<partition>+<offset>)"
        )


def renamed_key(key: str) -> str | None:
    """``key`` with its old ``+`` stem replaced by the current one; None if it has none."""
    match = _LEGACY_STEM.search(key)
    if match is None or _STEM.search(key):
        return None
    seg = Segment(match["topic"], int(match["partition"]), int(match["start"]))
    return key[: match.start()] + seg.stem + key[match.end() :]


def is_safe(key: str) -> bool:
    """Whether every reader (DuckDB, Hive, Athena, Spark) takes ``key`` as it is."""
    return SAFE_KEY.fullmatch(key) is not None


def dataset_prefix(contract: str, major: int) -> str:
    """``<contract>/v<major>/``: the prefix of one contract version in every bucket."""
    return f"{contract}/v{major}/"


def partition_prefix(contract: str, major: int, partition: int) -> str:
    """The prefix of one Kafka partition's objects."""
    return f"{dataset_prefix(contract, major)}partition={partition}/"


def raw_key(contract: str, major: int, seg: Segment) -> str:
    """The raw Parquet object of a segment."""
    return f"{partition_prefix(contract, major, seg.partition)}{seg.stem}.parquet"


def deadletter_key(contract: str, major: int, seg: Segment) -> str:
    """The dead-letter Parquet object of a segment (same name, dead-letter bucket)."""
    return raw_key(contract, major, seg)


def skipped_key(contract: str, major: int, seg: Segment) -> str:
    """The dead-letter object of a segment's readings whose validation an operator skipped."""
    return (
        f"{partition_prefix(contract, major, seg.partition)}{seg.stem}.validation-skipped.parquet"
    )


def quarantine_key(contract: str, major: int, seg: Segment) -> str:
    """The quarantine Parquet object of a segment (same name, quarantine bucket)."""
    return raw_key(contract, major, seg)


def curated_key(
    contract: str, major: int, seg: Segment, partition: Sequence[tuple[str, str | None]]
) -> str:
    """One curated Parquet object of a segment: its rows of one partition.

    ``partition`` is ``(field, value)`` per ``partition_by`` entry, in the contract's order.
    """
    return f"{dataset_prefix(contract, major)}{partition_path(partition)}{seg.stem}.parquet"


def partition_path(partition: Sequence[tuple[str, str | None]]) -> str:
    """``<field>=<value>/`` per field, values made path-safe."""
    return "".join(f"{name}={path_value(value)}/" for name, value in partition)


def curated_partition(key: str) -> dict[str, str | None]:
    """The partition values in a curated key's Hive folders, in order, unescaped."""
    folders = key.split("/")[2:-1]  # after <contract>/v<major>/, before the file
    pairs = [folder.partition("=") for folder in folders]
    return {name: value_from_path(value) for name, eq, value in pairs if eq}


def path_value(value: str | None) -> str:
    """A partition value as a folder name within the safe characters; `value_from_path` reverses it.

    Plain values stay as they are, so Hive readers show them unchanged; ``None`` is Hive's
    null folder.
    """
    if value is None:
        return HIVE_NULL
    if _PLAIN_VALUE.fullmatch(value) and value not in (".", ".."):
        return value
    return "_" + "".join(
        char if _KEPT.fullmatch(char) else "".join(f"_{b:02X}" for b in char.encode())
        for char in value
    )


def value_from_path(text: str) -> str | None:
    """The partition value `path_value` wrote as ``text``."""
    if text == HIVE_NULL:
        return None
    if not text.startswith("_"):
        return text
    out = bytearray()
    for token in _TOKEN.finditer(text[1:]) if _ESCAPED.fullmatch(text[1:]) else ():
        out += bytes([int(token[1], 16)]) if token[1] else token[0].encode()
    value = out.decode(errors="replace")
    if path_value(value) != text:  # one folder name per value, and only those
        raise ValueError(f"{text!r} is not a partition value written by path_value")
    return value


def report_prefix(contract: str, major: int, seg: Segment) -> str:
    """The folder of a segment's validation reports."""
    return f"{partition_prefix(contract, major, seg.partition)}{seg.stem}/"


def seqs_key(contract: str, major: int, seg: Segment) -> str:
    """A segment's seq runs per producer, written when it lands (beside its reports: the
    reports bucket outlives retention)."""
    return report_prefix(contract, major, seg) + "seqs.json"


def watermark_key(contract: str, major: int, seg: Segment) -> str:
    """The dedup watermark after a segment (highest seq per producer so far)."""
    return f"state/{partition_prefix(contract, major, seg.partition)}{seg.stem}.watermark.json"


def release_prefix(contract: str, version: str) -> str:
    """Where one release lives in the releases bucket: ``<contract>/<version>/``."""
    return f"{contract}/{version}/"


RELEASE_DATA = "data/"
RELEASE_GLOB = "data/**/*.parquet"


def release_file(date: str, site: str, part: int) -> str:
    """A release data file, relative to its release: a Hive-style ``date=`` folder, so DuckDB,
    pyarrow and Polars read a release as a dataset partitioned by date; then the site (made
    path-safe) and a count of the files of one (date, site).

    The site is not a folder: it is a column of every file, and a Hive column of the same
    name clashes with it in pyarrow (a dictionary against a string); ``date`` is not one."""
    return f"{RELEASE_DATA}{partition_path([('date', date)])}{path_value(site)}-{part:04d}.parquet"


def draft_prefix(contract: str, version: str) -> str:
    """Where a release waits for approval: ``_drafts/<contract>/<version>/`` in the releases
    bucket, outside every ``<contract>/`` a pilot base is granted (no contract name starts
    with ``_``)."""
    return f"{DRAFTS}{contract}/{version}/"


def decisions_prefix(contract: str, major: int) -> str:
    """The folder of a contract version's triage decisions (quarantine bucket)."""
    return f"{DECISIONS}{dataset_prefix(contract, major)}"


def decision_key(contract: str, major: int, decision_id: str) -> str:
    """One steward's decision on quarantined rows, named by its id (time, then digest)."""
    return f"{decisions_prefix(contract, major)}{decision_id}.json"


def accepted_key(
    contract: str, major: int, decision_id: str, partition: Sequence[tuple[str, str | None]]
) -> str:
    """The curated object of the rows a decision accepted, in one curated partition."""
    folder = dataset_prefix(contract, major) + partition_path(partition)
    return f"{folder}{ACCEPTED}{decision_id}.parquet"


def accepted_decision(key: str) -> str | None:
    """The decision id of an accepted-rows curated object; None for a segment's object."""
    name = key.rsplit("/", 1)[-1]
    if not name.startswith(ACCEPTED) or not name.endswith(".parquet"):
        return None
    return name[len(ACCEPTED) : -len(".parquet")]


def in_offset_order(keys: list[str]) -> list[str]:
    """Object keys of one partition sorted by their segments' start offsets.

    Key order is offset order only while every name has the same form; a store part old
    and part new must still be read in offset order.
    """
    return sorted(keys, key=Segment.parse)


def stalls_prefix(contract: str, major: int) -> str:
    """The folder of a contract version's stall records (reports bucket)."""
    return f"state/{dataset_prefix(contract, major)}stalls/"


def stall_key(contract: str, major: int, stage: str, partition: int) -> str:
    """A partition's stall record for one stage (``ingest``, ``validate``), in the reports
    bucket: present while the partition cannot move on."""
    return f"{stalls_prefix(contract, major)}{stage}/partition={partition}.json"


def losses_prefix(contract: str, major: int) -> str:
    """The folder of a contract version's retention-loss records (raw bucket)."""
    return f"state/{dataset_prefix(contract, major)}losses/"


def loss_key(contract: str, major: int, partition: int, start: int) -> str:
    """The record of offsets that expired from Kafka before they were landed, in the raw
    bucket beside the segments they are missing from; named by the first lost offset."""
    return f"{losses_prefix(contract, major)}partition={partition}/{start:0{OFFSET_DIGITS}d}.json"


def expiry_ledgers_prefix(contract: str, major: int) -> str:
    """The folder of a contract version's expiry ledgers, one ``partition=<p>/`` each."""
    return f"expired/{dataset_prefix(contract, major)}"


def expiry_ledger_prefix(contract: str, major: int, partition: int) -> str:
    """The folder of one partition's expiry ledger (reports bucket): one object per run that
    removed something, never replaced."""
    return f"expired/{partition_prefix(contract, major, partition)}"


def expired_objects_prefix(contract: str, major: int) -> str:
    """The folder of the expiry ledger of objects no segment owns (reports bucket): accepted
    rows' curated objects and claim-checks."""
    return f"expired/{dataset_prefix(contract, major)}objects/"


def claims_prefix(contract: str) -> str:
    """Where a contract's claim-checks (images) live in the raw bucket; no major, since an
    image does not change with the contract's version."""
    return f"claims/{contract}/"
