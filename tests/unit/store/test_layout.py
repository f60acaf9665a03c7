"""Object names: only characters every reader takes, and each parses back to its segment."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.dataset as ds
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from assay.store import layout
from assay.store.layout import Segment

# Kafka's legal topic names: [a-zA-Z0-9._-], 1 to 249 characters.
TOPICS = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
    min_size=1,
    max_size=249,
)
PARTITIONS = st.integers(0, 2**31 - 1)
OFFSETS = st.integers(0, 2**63 - 1)
SEGMENTS = st.builds(Segment, TOPICS, PARTITIONS, OFFSETS)
# Topics that look like a stem themselves, to show the split is read from the end.
TRICKY = [
    "a-p1-o00000000000000000001",
    "a-p1-o00000000000000000001.b",
    "x-p-o",
    "-",
    ".",
    "..",
    "_",
    "assay.energy_meter.v1",
]


def _every_key(seg: Segment) -> list[str]:
    return [
        layout.raw_key("energy_meter", 1, seg),
        layout.deadletter_key("energy_meter", 1, seg),
        layout.quarantine_key("energy_meter", 1, seg),
        layout.curated_key("energy_meter", 1, seg, [("date", "2026-03-01"), ("site", "plant-a")]),
        layout.report_prefix("energy_meter", 1, seg) + "summary.json",
        layout.watermark_key("energy_meter", 1, seg),
        seg.stem,
    ]


@given(SEGMENTS)
@example(Segment("assay.energy_meter.v1", 0, 123))
def test_every_key_is_safe_and_parses_back(seg: Segment) -> None:
    for key in _every_key(seg):
        assert layout.is_safe(key), key
        back = Segment.parse(key)
        assert (back.topic, back.partition, back.start, back.legacy) == (
            seg.topic,
            seg.partition,
            seg.start,
            False,
        )


@pytest.mark.parametrize("topic", TRICKY)
@pytest.mark.parametrize("partition", [0, 2, 2**31 - 1])
def test_topics_that_look_like_stems_parse_back(topic: str, partition: int) -> None:
    seg = Segment(topic, partition, 3)
    assert [Segment.parse(k) for k in _every_key(seg)] == [seg] * 7


def test_the_name_a_reader_sees() -> None:
    seg = Segment("assay.energy_meter.v1", 0, 123)
    assert layout.raw_key("energy_meter", 1, seg) == (
        "energy_meter/v1/partition=0/assay.energy_meter.v1-p0-o00000000000000000123.parquet"
    )


@given(SEGMENTS.filter(lambda s: "+" not in s.topic))
def test_old_names_still_parse_and_keep_their_form(seg: Segment) -> None:
    old = f"x/v1/partition={seg.partition}/{seg.topic}+{seg.partition}+{seg.start:020d}.parquet"
    back = Segment.parse(old)
    assert back == seg and back.legacy
    assert layout.raw_key("x", 1, back) == old
    assert not layout.is_safe(old)
    assert back.renamed().stem == seg.stem


def test_old_and_new_names_of_a_segment_are_the_same_segment() -> None:
    seg = Segment("assay.a.v1", 3, 42)
    assert Segment.parse("x/assay.a.v1+3+00000000000000000042.parquet") == seg
    assert Segment.parse(f"x/{seg.stem}.parquet") == seg
    assert len({seg, seg.as_legacy()}) == 1


@pytest.mark.parametrize(
    "name",
    [
        "",
        "x.parquet",
        "assay.a.v1-p1-o42.parquet",  # the offset is always 20 digits
        "assay.a.v1-p-o00000000000000000042",
        "date=assay.a.v1-p1-o00000000000000000042/x",  # inside a Hive folder, not a stem
    ],
)
def test_names_without_a_stem_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="does not name a segment"):
        Segment.parse(name)


def test_a_partition_part_old_and_part_new_is_read_in_offset_order() -> None:
    new = [layout.raw_key("c", 1, Segment("t", 0, s)) for s in (5, 300)]
    old = [layout.raw_key("c", 1, Segment("t", 0, s).as_legacy()) for s in (10, 200)]
    ordered = layout.in_offset_order(sorted(new + old))
    assert [Segment.parse(k).start for k in ordered] == [5, 10, 200, 300]


@given(SEGMENTS.filter(lambda s: "+" not in s.topic))
def test_an_old_key_is_renamed_to_the_key_the_segment_has_now(seg: Segment) -> None:
    old = layout.report_prefix("c", 1, seg.as_legacy()) + "summary.json"
    assert layout.renamed_key(old) == layout.report_prefix("c", 1, seg) + "summary.json"
    assert layout.renamed_key(layout.raw_key("c", 1, seg)) is None
    assert layout.renamed_key("readiness/c/1.0.0/readiness.json") is None


# Any text Arrow can hold (valid UTF-8: no lone surrogates), and the values that look escaped.
VALUES = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
LOOKALIKES = ["", ".", "..", "_", "__", "_41", "_4", "_zz", layout.HIVE_NULL, "a/b", "a=b", "é"]


@given(st.lists(st.tuples(st.sampled_from(["date", "site", "line_no"]), VALUES), max_size=3))
@example([(f"f{i}", v) for i, v in enumerate(LOOKALIKES)])
def test_any_partition_value_gives_a_safe_key_that_reads_back(
    partition: list[tuple[str, str]],
) -> None:
    partition = list(dict(partition).items())  # a field appears once
    seg = Segment("assay.energy_meter.v1", 2, 7)
    key = layout.curated_key("energy_meter", 1, seg, partition)
    assert layout.is_safe(key), key
    assert "//" not in key and "/./" not in key and "/../" not in key
    assert list(layout.curated_partition(key).items()) == partition
    assert Segment.parse(key) == seg


@given(st.from_regex(r"[A-Za-z0-9.-][A-Za-z0-9._-]{0,30}", fullmatch=True))
def test_plain_values_are_written_as_they_are(value: str) -> None:
    if value not in (".", ".."):
        assert layout.path_value(value) == value


def test_escaped_values_and_hive_null() -> None:
    assert layout.path_value("Line 1/A") == "_Line_201_2FA"
    assert layout.path_value("_x") == "__5Fx"
    assert layout.path_value("") == "_"
    assert layout.path_value("电") == "__E7_94_B5"
    assert layout.path_value(None) == layout.HIVE_NULL
    assert layout.value_from_path(layout.HIVE_NULL) is None


@pytest.mark.parametrize("text", ["_4", "_zz", "_a_", "__E7"])
def test_folder_names_path_value_cannot_write_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        layout.value_from_path(text)


@given(st.dates().map(str), st.text(min_size=1, max_size=40), st.integers(0, 9999))
@example("2026-03-01", "plant-a", 0)
def test_a_release_file_is_hive_partitioned_by_date_and_site(day: str, site: str, n: int) -> None:
    path = layout.release_file(day, site, n)
    assert layout.is_safe(path) and path.startswith(layout.RELEASE_DATA)
    name = path.rsplit("/", 1)[1]
    assert name == f"{layout.path_value(site)}-{n:04d}.parquet"
    hive = ds.partitioning(pa.schema([("date", pa.string())]), flavor="hive")
    assert hive.parse(path.removeprefix(layout.RELEASE_DATA)).equals(ds.field("date") == day)
    assert layout.value_from_path(name.rsplit("-", 1)[0]) == site
