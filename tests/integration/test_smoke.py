"""The smoke flow lands what it produced, and only once."""

import pyarrow.parquet as pq
import pytest

from assay.config import Settings
from assay.devstack import smoke
from assay.store.objects import arrow_filesystem

pytestmark = pytest.mark.integration


def test_smoke_lands_every_reading_once(stack_settings: Settings) -> None:
    first = smoke.run(stack_settings, 25)
    second = smoke.run(stack_settings, 7)
    assert (first.produced, second.produced) == (25, 7)
    assert second.first_offset == first.last_offset + 1
    table = pq.read_table(
        second.uri.removeprefix("s3://"), filesystem=arrow_filesystem(stack_settings)
    )
    assert table.num_rows == 7
    assert table.column("seq").to_pylist() == list(range(7))
