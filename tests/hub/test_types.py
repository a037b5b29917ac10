from datetime import UTC, datetime

import pytest

from hub.types import LATEST, format_datetime, later, parse_datetime


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


@pytest.mark.parametrize(
    "value",
    [
        "\uff12\uff10\uff12\uff14-01-01T00:00:00Z",
        "2024-01-01T00:00:00.\u0661Z",
        "\u0662024-01-01T00:00:00Z",
    ],
)
def test_datetime_takes_ascii_digits_only(value):
    with pytest.raises(ValueError):
        parse_datetime(value)


def test_later_stops_at_the_end_of_year_9999():
    end = parse_datetime("9999-12-31T23:00:00Z")
    assert later(end, 7200) == LATEST
    assert later(end, 10**20) == LATEST
    assert later(parse_datetime("2024-01-01T00:00:00Z"), 60).isoformat() == (
        "2024-01-01T00:01:00+00:00"
    )
