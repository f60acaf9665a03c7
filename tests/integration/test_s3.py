"""The real S3 server through the minio SDK and pyarrow."""

import hashlib
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from minio.commonconfig import ENABLED, Tags
from minio.error import S3Error
from minio.versioningconfig import VersioningConfig

from assay.config import Settings
from assay.store.objects import (
    PARQUET,
    SINGLE_PUT_BYTES,
    S3Store,
    arrow_filesystem,
    s3_client,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def bucket(stack_settings: Settings, unique: str) -> str:
    name = f"test-{unique}"
    client = s3_client(stack_settings)
    client.make_bucket(name)
    client.set_bucket_versioning(name, VersioningConfig(ENABLED))
    return name


def test_put_get_list(stack_settings: Settings, bucket: str) -> None:
    client = s3_client(stack_settings)
    for i in range(3):
        client.put_object(bucket, f"a/b/{i}.txt", io.BytesIO(b"x" * i), i)
    names = sorted(o.object_name for o in client.list_objects(bucket, prefix="a/", recursive=True))
    assert names == ["a/b/0.txt", "a/b/1.txt", "a/b/2.txt"]
    assert client.get_object(bucket, "a/b/2.txt").read() == b"xx"


def test_versioning_keeps_every_version(stack_settings: Settings, bucket: str) -> None:
    client = s3_client(stack_settings)
    first = client.put_object(bucket, "k", io.BytesIO(b"one"), 3)
    client.put_object(bucket, "k", io.BytesIO(b"two"), 3)
    assert client.get_bucket_versioning(bucket).status == "Enabled"
    versions = list(client.list_objects(bucket, prefix="k", include_version=True))
    assert len(versions) == 2
    assert client.get_object(bucket, "k", version_id=first.version_id).read() == b"one"
    assert client.get_object(bucket, "k").read() == b"two"


def test_tags_and_metadata(stack_settings: Settings, bucket: str) -> None:
    client = s3_client(stack_settings)
    tags = Tags.new_object_tags()
    tags["contract"] = "energy_meter"
    client.put_object(
        bucket, "t", io.BytesIO(b"1"), 1, tags=tags, metadata={"x-amz-meta-first-offset": "42"}
    )
    assert dict(client.get_object_tags(bucket, "t") or {}) == {"contract": "energy_meter"}
    assert client.stat_object(bucket, "t").metadata["x-amz-meta-first-offset"] == "42"


def test_missing_object_is_a_clear_error(stack_settings: Settings, bucket: str) -> None:
    with pytest.raises(S3Error) as err:
        s3_client(stack_settings).stat_object(bucket, "nope")
    assert err.value.code in {"NoSuchKey", "NotFound"}


def test_pyarrow_parquet_round_trip(stack_settings: Settings, bucket: str) -> None:
    table = pa.table(
        {
            "device_id": ["m1", "m2", "m1"],
            "ts": pa.array([1, 2, 3], pa.timestamp("ms", tz="UTC")),
            "kw": [1.5, 2.5, 3.5],
        }
    )
    fs = arrow_filesystem(stack_settings)
    pq.write_table(table, f"{bucket}/p/x.parquet", filesystem=fs, compression="zstd")
    back = pq.read_table(f"{bucket}/p/x.parquet", filesystem=fs)
    assert back.equals(table)
    assert back.schema.field("ts").type == pa.timestamp("ms", tz="UTC")


def test_pipeline_buckets_exist_with_versioning(stack_settings: Settings) -> None:
    client = s3_client(stack_settings)
    for bucket in stack_settings.buckets.values():
        assert client.bucket_exists(bucket)
        assert client.get_bucket_versioning(bucket).status == "Enabled"


def test_a_segment_sized_object_is_one_put_with_its_metadata(
    stack_settings: Settings, bucket: str
) -> None:
    """Over minio's 5 MiB part size but under ``SINGLE_PUT_BYTES``: one PUT, not a multipart
    upload (whose ETag ends in ``-<parts>``), metadata and bytes as given."""
    data = bytes(range(256)) * (7 * 4096)  # 7 MiB
    S3Store(stack_settings).put(bucket, "seg.parquet", data, {"readings": "7"}, PARQUET)
    stat = s3_client(stack_settings).stat_object(bucket, "seg.parquet")
    assert stat.etag is not None and "-" not in stat.etag.strip('"')
    assert stat.etag.strip('"') == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert stat.content_type == PARQUET and stat.metadata["x-amz-meta-readings"] == "7"
    assert S3Store(stack_settings).get(bucket, "seg.parquet") == data


def test_an_object_over_the_single_put_size_still_goes_in_parts(
    stack_settings: Settings, bucket: str
) -> None:
    """minio's own 5 MiB parts, so a large object never needs more than a part in memory."""
    data = b"\x5a" * (SINGLE_PUT_BYTES + 1)
    S3Store(stack_settings).put(bucket, "big", data)
    stat = s3_client(stack_settings).stat_object(bucket, "big")
    assert stat.etag is not None and stat.etag.strip('"').endswith("-13")  # 5 MiB parts
    assert stat.size == len(data)
