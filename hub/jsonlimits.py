"""Bounded JSON parsing for bodies the hub receives and answers it reads.

Python's parser recurses once per `[` or `{`: a body of nested brackets exhausts the stack
(RecursionError, an HTTP 500). No OCPI object nests deeper than about ten levels, so the
hub refuses anything deeper than OCPI_MAX_JSON_DEPTH before parsing. Numbers outside the
double range (`1e400`) and NaN/Infinity are refused too: they cannot be stored or sent as JSON.
"""

import json
import math
import re

from django.conf import settings

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


class JSONRefused(ValueError):
    """Valid JSON the hub does not accept (too deeply nested, a number out of range)."""


def check_depth(raw: bytes, limit: int) -> None:
    """JSONRefused when arrays and objects in `raw` nest deeper than `limit`."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return  # cannot be deeper: the common case costs two C-speed counts
    depth = 0
    for bracket in _BRACKETS.findall(_STRING.sub(b'""', raw)):
        if bracket in b"[{":
            depth += 1
            if depth > limit:
                raise JSONRefused(f"JSON nested deeper than {limit} levels")
        else:
            depth -= 1


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JSONRefused(f"number {text[:20]} is out of range")
    return value


def _no_constant(text: str):
    raise JSONRefused(f"{text} is not a JSON number")


def parse_json(raw: bytes):
    """`raw` parsed; JSONRefused for what the hub does not accept, ValueError if not JSON."""
    check_depth(raw, settings.OCPI_MAX_JSON_DEPTH)
    try:
        return json.loads(raw, parse_float=_finite, parse_constant=_no_constant)
    except RecursionError:
        raise JSONRefused("JSON nested too deeply") from None
