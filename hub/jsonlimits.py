"""Bounded JSON parsing for bodies the hub receives and answers it reads.

Python's parser recurses once per `[` or `{`: a body of nested brackets exhausts the stack
(RecursionError, an HTTP 500). No OCPI object nests deeper than about ten levels, so the
hub refuses anything deeper than OCPI_MAX_JSON_DEPTH before parsing. Numbers outside the
double range (`1e400`), integers outside 64 bits and NaN/Infinity are refused too: they cannot
be stored or sent on as JSON. Request bodies may not carry NUL characters or unpaired
surrogates either (JSON escapes u0000 and ud800-udfff): PostgreSQL refuses them in text and jsonb.
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


INT64 = 2**63


class _Unstorable:
    """Left in place of a value the hub refuses, so that its path can be named afterwards."""

    def __init__(self, reason: str):
        self.reason = reason


def _request_float(text: str):
    value = float(text)
    return _Unstorable(f"number {text[:20]} is out of range") if math.isinf(value) else value


def _request_int(text: str):
    value = int(text)
    return value if -INT64 <= value < INT64 else _Unstorable(f"integer {text[:20]}... too large")


def _request_constant(text: str):
    return _Unstorable(f"{text} is not a JSON number")


# Escapes that may decode to a NUL or an unpaired surrogate; only then are strings inspected.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _string_problem(text: str) -> str | None:
    if "\x00" in text:
        return "the NUL character (\\u0000) is not allowed"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "unpaired surrogate (\\ud800-\\udfff) is not allowed"
    return None


def _first_unstorable(data) -> tuple[str, str] | None:
    """(path, reason) of a value the hub refuses, e.g. ("evses[0].uid", "...")."""
    stack = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, _Unstorable):
            return path, value.reason
        if isinstance(value, str):
            problem = _string_problem(value)
            if problem:
                return path, problem
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else key
                problem = _string_problem(key)
                if problem:
                    return path or "(body)", f"a field name: {problem}"
                stack.append((item, child))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]") for index, item in enumerate(value))
    return None


def parse_request_json(raw: bytes):
    """A request body parsed; JSONRefused naming the field of a value the hub cannot store,
    ValueError if it is not JSON."""
    check_depth(raw, settings.OCPI_MAX_JSON_DEPTH)
    refused: list[str] = []

    def note(found):
        if isinstance(found, _Unstorable):
            refused.append(found.reason)
        return found

    try:
        data = json.loads(
            raw,
            parse_float=lambda text: note(_request_float(text)),
            parse_int=lambda text: note(_request_int(text)),
            parse_constant=lambda text: note(_request_constant(text)),
        )
    except RecursionError:
        raise JSONRefused("JSON nested too deeply") from None
    if refused or _SUSPECT_ESCAPE.search(raw):
        found = _first_unstorable(data)
        if found is not None:
            path, reason = found
            raise JSONRefused(f"{path}: {reason}" if path else reason)
    return data
