"""How to load a release: pandas, Polars and DuckDB snippets for one release on one endpoint."""

from __future__ import annotations

from urllib.parse import urlsplit

PANDAS = """\
import pyarrow.dataset as ds
from pyarrow.fs import S3FileSystem

ACCESS, SECRET = "...", "..."  # 只读凭据 / read-only credentials from the data owner
fs = S3FileSystem(access_key=ACCESS, secret_key=SECRET, endpoint_override="{host}",
                  scheme="{scheme}", region="us-east-1")
df = ds.dataset("{prefix}/data/", filesystem=fs, format="parquet",
                partitioning="hive").to_table().to_pandas()  # + date, site
"""

POLARS = """\
import polars as pl

df = pl.read_parquet(
    "s3://{prefix}/data/**/*.parquet",
    hive_partitioning=True,
    storage_options={{
        "aws_access_key_id": ACCESS,
        "aws_secret_access_key": SECRET,
        "aws_endpoint_url": "{endpoint}",
        "aws_region": "us-east-1",
        "aws_allow_http": "true",
    }},
)
"""

DUCKDB = """\
INSTALL httpfs; LOAD httpfs;
CREATE SECRET release (TYPE s3, KEY_ID '...', SECRET '...', REGION 'us-east-1',
                       ENDPOINT '{host}', URL_STYLE 'path', USE_SSL {ssl});
SELECT site, device_id, count(*) AS readings
FROM read_parquet('s3://{prefix}/data/**/*.parquet', hive_partitioning = true)
GROUP BY site, device_id ORDER BY site, device_id;
"""

VERIFY = """\
assay release verify {contract} {version}          # 重算每个校验和 / recompute every checksum
assay release open {contract} {version} --download ./{contract}-{version}
"""


def snippets(endpoint: str, bucket: str, contract: str, version: str) -> dict[str, str]:
    """Code that loads this release, by tool."""
    url = urlsplit(endpoint)
    values = {
        "host": url.netloc,
        "scheme": url.scheme or "http",
        "endpoint": endpoint,
        "ssl": "true" if url.scheme == "https" else "false",
        "prefix": f"{bucket}/{contract}/{version}",
        "contract": contract,
        "version": version,
    }
    return {
        "pandas": PANDAS.format(**values),
        "polars": POLARS.format(**values),
        "duckdb": DUCKDB.format(**values),
        "verify": VERIFY.format(**values),
    }
