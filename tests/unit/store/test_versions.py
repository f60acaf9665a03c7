"""Version listings as Versity Gateway and AWS write them, nanoseconds included."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from assay.store.versions import parse_page, parse_time

PAGE = b"""<?xml version="1.0" encoding="UTF-8"?>
<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
 <Name>raw</Name><IsTruncated>true</IsTruncated>
 <NextKeyMarker>b</NextKeyMarker><NextVersionIdMarker>v9</NextVersionIdMarker>
 <DeleteMarker><Key>a</Key><VersionId>m1</VersionId><IsLatest>true</IsLatest>
  <LastModified>2026-03-01T12:00:01.123456789Z</LastModified></DeleteMarker>
 <Version><Key>a</Key><VersionId>v2</VersionId><IsLatest>false</IsLatest>
  <LastModified>2026-03-01T12:00:00Z</LastModified><Size>3</Size></Version>
 <Version><Key>b</Key><IsLatest>true</IsLatest>
  <LastModified>2026-03-01T11:00:00.5Z</LastModified></Version>
</ListVersionsResult>"""


def test_a_page_lists_versions_and_markers_in_order_and_the_next_query() -> None:
    found, more = parse_page(PAGE)
    assert [(v.key, v.version_id, v.latest, v.delete_marker) for v in found] == [
        ("a", "m1", True, True),
        ("a", "v2", False, False),
        ("b", "null", True, False),
    ]
    assert found[0].modified == datetime(2026, 3, 1, 12, 0, 1, 123456, tzinfo=UTC)
    assert found[2].modified.microsecond == 500000
    assert more == {"key-marker": "b", "version-id-marker": "v9"}


def test_the_last_page_asks_for_no_more() -> None:
    assert parse_page(PAGE.replace(b">true</IsTruncated", b">false</IsTruncated"))[1] is None


@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
    st.text("0123456789", max_size=3),
)
def test_times_keep_their_microseconds_whatever_digits_follow(moment: datetime, extra: str) -> None:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + extra + "Z"
    assert parse_time(text) == moment.replace(tzinfo=UTC)
