"""Which Kafka partitions a contract has: those its stored objects name, and its topic's.

A contract's ``partitions`` is the count its topic is created with, not the count it has:
Kafka adds partitions at an operator's word (``kafka-topics --alter --partitions``, the admin
client, a Strimzi ``KafkaTopic``) and never removes them, and ingest lands every partition
the topic's metadata lists. So nothing that goes over a contract's partitions counts
``0..partitions-1``: validation, retention and the audit take the partitions named by the
``partition=<p>/`` folders of what was stored (raw objects, the expiry ledger, loss records),
and the audit adds the topic's own. A partition with no data yet names no folder and holds
no offsets: it is simply not there, and nothing reports it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.objects import ObjectStore
from schemas import Contract

_FOLDER = re.compile(r"partition=(0|[1-9][0-9]*)/")


def named(keys: Iterable[str], prefix: str) -> set[int]:
    """The partitions whose ``partition=<p>/`` folder sits right under ``prefix`` in ``keys``;
    keys elsewhere, and folders not of that form, name none."""
    found = set()
    for key in keys:
        if key.startswith(prefix) and (match := _FOLDER.match(key, len(prefix))):
            found.add(int(match[1]))
    return found


def landed(store: ObjectStore, raw_bucket: str, contract: Contract) -> set[int]:
    """Partitions with a raw object stored: what validation has to look at."""
    prefix = layout.dataset_prefix(contract.name, contract.major)
    return named(store.keys(raw_bucket, prefix), prefix)


def expired(store: ObjectStore, reports_bucket: str, contract: Contract) -> set[int]:
    """Partitions with an expiry ledger: segments retention removed some layers of."""
    prefix = layout.expiry_ledgers_prefix(contract.name, contract.major)
    return named(store.keys(reports_bucket, prefix), prefix)


def lost(store: ObjectStore, raw_bucket: str, contract: Contract) -> set[int]:
    """Partitions with a loss record: offsets that left Kafka before they were landed."""
    prefix = layout.losses_prefix(contract.name, contract.major)
    return named(store.keys(raw_bucket, prefix), prefix)


def stored(store: ObjectStore, buckets: Buckets, contract: Contract) -> list[int]:
    """Every partition the pipeline wrote anything for, in order: raw objects, expiry
    ledgers and loss records (a partition retention emptied keeps its ledger)."""
    found = landed(store, buckets.raw, contract) | expired(store, buckets.reports, contract)
    return sorted(found | lost(store, buckets.raw, contract))


def known(*sources: Iterable[int]) -> list[int]:
    """The partitions of every source together, each once, in order."""
    return sorted(set().union(*sources))
