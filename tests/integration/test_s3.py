"""The real S3 server through the minio SDK and pyarrow."""

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from minio.commonconfig import ENABLED, Tags
from minio.error import S3Error
from minio.versioningconfig import VersioningConfig

from assay.config import Settings
from assay.store.objects import arrow_filesystem, s3_client

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
