"""OCPI primitive types (types.asciidoc): DateTime and CiString."""

import re
from datetime import UTC, datetime, timedelta

# Spec: UTC only, `Z` optional, fractional seconds allowed; "+00:00 is not the same as UTC".
# Up to 9 fractional digits are accepted from peers (Python and Java write 6), although
# string(25) only leaves room for 4.
# ASCII digits only: `\d` would also match other scripts' digits, which int() accepts.
DATETIME_PATTERN = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?", re.ASCII
)
PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")


def parse_datetime(value: str) -> datetime:
    """Parse an OCPI DateTime; ValueError when it is not one."""
    match = DATETIME_PATTERN.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("not an OCPI DateTime (UTC, e.g. 2024-01-31T12:00:00Z)")
    year, month, day, hour, minute, second, fraction = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    return datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=UTC
    )


def format_datetime(moment: datetime) -> str:
    """Format as the spec's DateTime: UTC, milliseconds when not whole, always `Z`."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


LATEST = datetime.max.replace(tzinfo=UTC)


def later(moment: datetime, seconds: float) -> datetime:
    """`moment` plus `seconds`, at most the last moment of year 9999: a peer's far-future date
    or huge timeout extends a deadline as far as it goes instead of overflowing."""
    try:
        return moment + timedelta(seconds=seconds)
    except OverflowError:
        return LATEST if seconds > 0 else datetime.min.replace(tzinfo=UTC)


def now() -> str:
    return format_datetime(datetime.now(UTC))


def cistring(value: str) -> str:
    """Canonical form of a CiString for comparison and lookup (case-insensitive)."""
    return value.upper()
