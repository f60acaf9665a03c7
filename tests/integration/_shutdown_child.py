"""One assay process in small, run by `test_shutdown`: read a partition with the Kafka consumer,
decode, write and read Parquet through S3 (minio and Arrow's S3 filesystem), print, exit.

It leaves right after its last Arrow read, as the benchmark's tasks do: that is when a
native thread still holding Python memory, a consumer left open or S3 not finalised would
abort the interpreter's exit.

    python tests/integration/_shutdown_child.py TOPIC GROUP BUCKET KEY
"""

from __future__ import annotations

import json
import sys

import pyarrow.parquet as pq

from assay.config import ROOT, load_settings
from assay.pipeline.ingest.consumer import KafkaPartition
from assay.pipeline.ingest.decode import Expect, decode
from assay.store.objects import S3Store, arrow_filesystem
from assay.store.parquet import from_parquet, to_parquet
from schemas import load_contract, to_arrow_schema


def main(topic: str, group: str, bucket: str, key: str) -> None:
    """Read, land, read back twice; print what was read."""
    settings, contract = load_settings().as_role(ROOT), load_contract("energy_meter")
    with KafkaPartition(settings, topic, 0, group) as log:
        low, high = log.bounds()
        records, _ = log.read(low, high, None)
    table = decode(records, Expect.of(contract)).table(to_arrow_schema(contract))
    store = S3Store(settings)
    store.put(bucket, key, to_parquet(table))
    through_arrow = pq.read_table(f"{bucket}/{key}", filesystem=arrow_filesystem(settings))
    back = from_parquet(store.get(bucket, key))  # last: its threads once outlived the exit
    print(json.dumps({"read": back.num_rows, "arrow_s3": through_arrow.num_rows}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
