"""Where every object lives: names are pure functions of the records they hold.

A raw object is named after the Kafka records it holds (``<topic>+<partition>+<start>``,
as Kafka Connect's S3 sink does), and everything derived from it — dead letters, curated
and quarantine files, reports, dedup watermarks — takes the same stem, so a crashed or
re-run task rewrites the same objects instead of adding new ones.

    raw         <contract>/v<major>/partition=<p>/<stem>.parquet
    deadletter  <contract>/v<major>/partition=<p>/<stem>.parquet
    curated     <contract>/v<major>/date=<YYYY-MM-DD>/site=<site>/<stem>.parquet
    quarantine  <contract>/v<major>/partition=<p>/<stem>.parquet
    reports     <contract>/v<major>/partition=<p>/<stem>/{summary,validation,scores}.json …
    state       <contract>/v<major>/partition=<p>/<stem>.watermark.json   (in the reports bucket)
    stalls      state/<contract>/v<major>/stalls/<stage>/partition=<p>.json   (reports bucket)
    losses      state/<contract>/v<major>/losses/partition=<p>/<start>.json   (raw bucket)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OFFSET_DIGITS = 20
_STEM = re.compile(rf"(?P<topic>[\w.-]+)\+(?P<partition>\d+)\+(?P<start>\d{{{OFFSET_DIGITS}}})")


@dataclass(frozen=True, order=True)
class Segment:
    """One landed range of one Kafka partition: the identity every derived object shares."""

    topic: str
    partition: int
    start: int

    @property
    def stem(self) -> str:
        """``<topic>+<partition>+<start, zero-padded>``."""
        return f"{self.topic}+{self.partition}+{self.start:0{OFFSET_DIGITS}d}"

    @classmethod
    def parse(cls, name: str) -> Segment:
        """The segment of any object name that carries a stem."""
        match = _STEM.search(name)
        if not match:
            raise ValueError(f"{name!r} does not name a segment (<topic>+<partition>+<offset>)")
        return cls(match["topic"], int(match["partition"]), int(match["start"]))


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


def quarantine_key(contract: str, major: int, seg: Segment) -> str:
    """The quarantine Parquet object of a segment (same name, quarantine bucket)."""
    return raw_key(contract, major, seg)


def curated_key(contract: str, major: int, seg: Segment, date: str, site: str) -> str:
    """One curated Parquet object of a segment: its rows of one date and site."""
    return f"{dataset_prefix(contract, major)}date={date}/site={site}/{seg.stem}.parquet"


def report_prefix(contract: str, major: int, seg: Segment) -> str:
    """The folder of a segment's validation reports."""
    return f"{partition_prefix(contract, major, seg.partition)}{seg.stem}/"


def watermark_key(contract: str, major: int, seg: Segment) -> str:
    """The dedup watermark after a segment (highest seq per producer so far)."""
    return f"state/{partition_prefix(contract, major, seg.partition)}{seg.stem}.watermark.json"


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
