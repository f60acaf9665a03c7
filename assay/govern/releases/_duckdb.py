"""DuckDB on a release, straight from the S3 server, with the httpfs extension shipped on PyPI.

The ``duckdb-ext-httpfs`` package carries the extension built for the pinned DuckDB, so no
extension is downloaded at run time (an offline gateway or pilot base works the same).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from assay.config import Settings

if TYPE_CHECKING:
    import duckdb


def extension_directory() -> Path:
    """Where ``duckdb-ext-httpfs`` put its ``v<version>/<platform>/httpfs.duckdb_extension``."""
    import duckdb_ext  # the namespace package of the duckdb-ext-* wheels

    return Path(next(iter(duckdb_ext.__path__))) / "extensions"


def connect(
    settings: Settings, access_key: str | None = None, secret_key: str | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that reads ``s3://`` paths from the configured S3 server."""
    import duckdb

    access, secret = (
        (access_key, secret_key) if access_key and secret_key else settings.s3_credentials()
    )
    url = urlsplit(settings.endpoint)
    con = duckdb.connect(config={"extension_directory": str(extension_directory())})
    con.execute("LOAD httpfs")
    con.execute(
        "CREATE SECRET assay_s3 (TYPE s3, KEY_ID ?, SECRET ?, REGION ?, ENDPOINT ?, "
        "URL_STYLE 'path', USE_SSL ?)",
        [access, secret, settings.s3_region, url.netloc, url.scheme == "https"],
    )
    return con
