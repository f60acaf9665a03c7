"""Arrow's threads never hold the last reference to Python memory after a read returns.

Releasing it takes the GIL inside a C++ destructor; when the interpreter is exiting by then,
Python ends that thread and the process aborts ("terminate called without an active
exception"), as the pipeline benchmark's tasks once did after printing their result.
"""

from __future__ import annotations

import gc
import threading
import time
from typing import ClassVar

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.store.parquet import arrow_owned, from_parquet, to_parquet


class Watched(bytes):
    """Bytes that note which thread frees them."""

    freed_on: ClassVar[list[str]] = []

    def __del__(self) -> None:
        Watched.freed_on.append(threading.current_thread().name)


@pytest.fixture(autouse=True)
def watch() -> None:
    Watched.freed_on.clear()


def freed_elsewhere() -> list[str]:
    time.sleep(0.05)  # give Arrow's threads time to drop what they still held
    gc.collect()
    return [name for name in Watched.freed_on if name != threading.main_thread().name]


@settings(max_examples=15, deadline=None)
@given(rows=st.integers(1, 40_000), columns=st.integers(1, 24))
def test_reading_parquet_leaves_python_memory_to_python(rows: int, columns: int) -> None:
    Watched.freed_on.clear()  # once per example: the fixture runs once per test
    table = pa.table({f"c{i}": pa.array(range(rows)) for i in range(columns)})
    data = to_parquet(table)
    for _ in range(5):  # Arrow's threads dropped the input in two reads of three before
        assert from_parquet(Watched(data)).equals(table)
    assert (len(Watched.freed_on), freed_elsewhere()) == (5, [])


def test_an_arrow_owned_copy_is_the_same_bytes_in_arrow_memory() -> None:
    copy = arrow_owned(b"assay \x00\xff")
    assert copy.to_pybytes() == b"assay \x00\xff" and copy.address != 0
