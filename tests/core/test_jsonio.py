"""jsonio: the timestamp format of the contract (ISO 8601 UTC, milliseconds, Z)."""

import datetime

import pytest

from assessment_service.core.jsonio import iso_timestamp

UTC = datetime.UTC


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime.datetime(2026, 11, 29, 13, 40, 21, 123456, tzinfo=UTC), "2026-11-29T13:40:21.123Z"),
        # Milliseconds are cut, not rounded: a time never moves into the next second.
        (datetime.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "2026-12-31T23:59:59.999Z"),
        (datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-02T03:04:05.000Z"),
        # Another offset is converted to UTC, across midnight too.
        (datetime.datetime(2026, 1, 1, 1, 30, 0, 5000, tzinfo=datetime.timezone(datetime.timedelta(hours=2))), "2025-12-31T23:30:00.005Z"),
        (datetime.datetime(999, 3, 4, 5, 6, 7, 80000, tzinfo=UTC), "0999-03-04T05:06:07.080Z"),
    ],
)
def test_iso_timestamp(moment, expected):
    assert iso_timestamp(moment) == expected
    # The same text Python's own ISO formatting gives, with Z for +00:00.
    assert expected == moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
