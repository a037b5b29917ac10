from datetime import UTC, datetime

import pytest

from hub.types import format_datetime, parse_datetime


@pytest.mark.parametrize(
    "text",
    [
        "2015-06-29T20:39:09Z",
        "2015-06-29T20:39:09",
        "2015-06-29T20:39:09.2Z",
        "2016-12-29T17:45:09.123Z",
        "2024-01-01T00:00:00.123456Z",
        "2024-01-01T00:00:00.123456789",
    ],
)
def test_spec_datetime_forms_are_accepted(text):
    assert parse_datetime(text).tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "2015-06-29T20:39:09+00:00",
        "2015-06-29T22:39:09+02:00",
        "2015-06-29 20:39:09Z",
        "2015-06-29",
        "20150629T203909Z",
        "",
        "2015-13-29T20:39:09Z",
    ],
)
def test_offsets_and_other_forms_are_refused(text):
    with pytest.raises(ValueError):
        parse_datetime(text)


def test_format_is_utc_with_z_and_at_most_25_characters():
    moment = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    assert format_datetime(moment) == "2024-05-06T07:08:09.123Z"
    assert format_datetime(moment.replace(microsecond=0)) == "2024-05-06T07:08:09Z"
