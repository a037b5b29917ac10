"""Strict OCPI field types for validating pushed objects (types.asciidoc).

The hub validates with these and stores what the sender sent (unknown fields and original
DateTime strings included), so `to_internal_value` only checks: JSON types are not coerced
("3" is not an int, 3 is not a string), enums are case-sensitive.
"""

import functools
import re
from urllib.parse import urlsplit

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.settings import api_settings

from hub.types import PRINTABLE_ASCII, parse_datetime


class String(serializers.CharField):
    """string(n): a JSON string of at most n characters, without CR, LF or TAB."""

    def __init__(self, max_length: int, **kwargs):
        kwargs.setdefault("allow_blank", True)
        super().__init__(max_length=max_length, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if any(char in value for char in "\r\n\t"):
            raise serializers.ValidationError("Must not contain CR, LF or TAB.")
        return value


class CiString(String):
    """CiString(n): printable ASCII, compared case-insensitively."""

    def __init__(self, max_length: int, **kwargs):
        kwargs.setdefault("allow_blank", False)
        super().__init__(max_length, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not PRINTABLE_ASCII.fullmatch(value):
            raise serializers.ValidationError("Only printable ASCII characters are allowed.")
        return value


class Pattern(String):
    """A string that must match a regular expression (e.g. GeoLocation latitude)."""

    def __init__(self, max_length: int, pattern: str, **kwargs):
        super().__init__(max_length, allow_blank=False, **kwargs)
        self.pattern = re.compile(pattern)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not self.pattern.fullmatch(value):
            raise serializers.ValidationError(f"Does not match {self.pattern.pattern}.")
        return value


class URL(String):
    """URL type: string(255)."""

    def __init__(self, **kwargs):
        super().__init__(255, allow_blank=False, **kwargs)


class HttpURL(URL):
    """A URL the hub itself calls (versions URL, response_url): absolute http(s).
    Hosts without a dot are allowed (peers inside one network)."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
            raise serializers.ValidationError("Enter a valid absolute http(s) URL.")
        return value


@extend_schema_field(OpenApiTypes.DATETIME)
class DateTime(serializers.Field):
    """OCPI DateTime, kept as the original string (the hub never rewrites last_updated)."""

    def to_internal_value(self, data):
        try:
            parse_datetime(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None
        return data

    def to_representation(self, value):
        return value


class Integer(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class Number(serializers.FloatField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class Boolean(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class Enum(serializers.ChoiceField):
    """An OCPI enum: case-sensitive, exactly one of the spec's values."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or data not in self.choices:
            self.fail("invalid_choice", input=data)
        return data


# Cardinality `?` and `*`: may be absent or null (a `*` list may also be empty).
OPTIONAL = {"required": False, "allow_null": True}


def enum_list(choices):
    """A `*` list of enum values."""
    return serializers.ListField(child=Enum(choices), **OPTIONAL)


def validate(serializer_class: type[serializers.Serializer], data):
    """`data` checked by `serializer_class`; returns its validated data, raises ValidationError
    with the same errors as `serializer_class(data=data).is_valid(raise_exception=True)`.

    A new serializer deep-copies its whole field tree (more than half the cost of validating
    a Location), so each class is bound once per process and its instance reused.
    `run_validation` keeps no state on the instance (only `is_valid` stores data and errors),
    so threads share it: a serializer's `validate*` methods must not set attributes either.
    """
    try:
        return bound(serializer_class).run_validation(data)
    except serializers.ValidationError as error:
        raise serializers.ValidationError(serializer_errors(error.detail)) from None


@functools.cache
def bound(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    """One instance whose field tree is built completely before any thread sees it."""
    serializer = serializer_class()
    _build(serializer)
    return serializer


def _build(field) -> None:
    field.validators  # noqa: B018 (lazily set on first use otherwise)
    if isinstance(field, serializers.Serializer):
        for child in field.fields.values():
            _build(child)
    elif getattr(field, "child", None) is not None:  # many=True, ListField, DictField
        _build(field.child)


def serializer_errors(detail):
    """`Serializer.errors` of a failed validation (a null body reads "No data provided")."""
    if isinstance(detail, list) and len(detail) == 1 and getattr(detail[0], "code", None) == "null":
        return {api_settings.NON_FIELD_ERRORS_KEY: [ErrorDetail("No data provided", code="null")]}
    return detail
