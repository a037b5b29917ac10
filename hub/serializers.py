"""Strict OCPI field types for validating pushed objects (types.asciidoc).

The hub validates with these and stores what the sender sent (unknown fields and original
DateTime strings included), so `to_internal_value` only checks: JSON types are not coerced
("3" is not an int, 3 is not a string), enums are case-sensitive.
"""

import functools
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import empty
from rest_framework.settings import api_settings
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from hub.client import check_url
from hub.types import PRINTABLE_ASCII, parse_datetime

_CR_LF_TAB = re.compile("[\r\n\t]")


class String(serializers.CharField):
    """string(n): a JSON string of at most n characters, without CR, LF or TAB."""

    def __init__(self, max_length: int, **kwargs):
        kwargs.setdefault("allow_blank", True)
        super().__init__(max_length=max_length, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if _CR_LF_TAB.search(value):
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
    """A URL the hub itself calls (versions URL, response_url): absolute http(s), no user
    information or fragment (hub.client.check_url). Hosts without a dot are allowed."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return check_url(value)
        except ValueError as error:
            message = f"Enter a valid absolute http(s) URL. Refused: {error}."
            raise serializers.ValidationError(message) from None


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

    Valid data takes the compiled checks (`compiled`); anything they refuse is validated
    again by the serializer itself, which names every error exactly as DRF does.
    """
    try:
        return compiled(serializer_class)(data)
    except Exception:  # refused (or not understood): the serializer below says why
        pass
    try:
        return bound(serializer_class).run_validation(data)
    except serializers.ValidationError as error:
        raise serializers.ValidationError(serializer_errors(error.detail)) from None


@functools.cache
def bound(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    """One instance whose field tree is built completely before any thread sees it.

    A new serializer deep-copies its whole field tree, so each class is bound once per
    process. `run_validation` keeps no state on the instance (only `is_valid` stores data and
    errors), so threads share it: a serializer's `validate*` methods must not set attributes.
    """
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


# ----------------------------------------------------------------------------------------
# Compiled checks: the same field tree, walked once into plain closures.
#
# DRF spends most of a validation in its generic machinery (empty-value handling, SkipField,
# validator loops, error collection) rather than in the checks themselves. `compiled` turns
# the bound field tree into nested closures that run each field's own `to_internal_value`
# and hook methods, with the standard length/range/character validators inlined. They return
# exactly what `run_validation` returns and raise on anything it would refuse; a field kind
# they do not know runs through the field's own `run_validation`. So the OpenAPI schema and
# both checks come from one definition of each class, and errors stay DRF's own (`validate`).


class _Refused(Exception):
    """The compiled checks refuse the data (the serializer then names the errors)."""


_SURROGATE = re.compile("[\ud800-\udfff]")


@functools.cache
def compiled(serializer_class: type[serializers.Serializer]):
    """The compiled checks of `serializer_class`: data -> validated data, raises when invalid."""
    return _compile(bound(serializer_class))


def _compile(field):
    kind = type(field)
    if field.read_only or (field.validators and not _is_leaf(field)):
        return field.run_validation  # not compiled: DRF's own path
    if kind is serializers.ListSerializer:
        return _list(field, field.child, list)
    if kind is serializers.ListField:
        return _list(field, field.child, (list, tuple))
    if isinstance(field, serializers.Serializer) and all(
        getattr(kind, method) is getattr(serializers.Serializer, method)
        for method in ("run_validation", "to_internal_value", "run_validators")
    ):
        return _serializer(field)
    if _is_leaf(field):
        return _leaf(field)
    return field.run_validation


def _is_leaf(field) -> bool:
    """A field whose own rules are all in `to_internal_value` and `validators`."""
    return not isinstance(field, serializers.Serializer | serializers.ListSerializer) and (
        type(field).run_validation in _PLAIN_RUN_VALIDATION
    )


def _serializer(serializer):
    if not all(
        field.source_attrs == [name] and field.default is empty
        for name, field in serializer.fields.items()
    ):
        return serializer.run_validation
    entries = [
        (
            field.field_name,
            field.required,
            _compile(field),
            getattr(serializer, f"validate_{field.field_name}", None),
        )
        for field in serializer._writable_fields
    ]
    hook = serializer.validate
    if type(serializer).validate is serializers.Serializer.validate:
        hook = None
    allow_null = serializer.allow_null

    def check(data):
        if type(data) is not dict:
            if data is None and allow_null:
                return None
            raise _Refused
        validated = {}
        for name, required, check_value, validate_method in entries:
            value = data.get(name, empty)
            if value is empty:
                if required:
                    raise _Refused
                continue
            value = check_value(value)
            validated[name] = value if validate_method is None else validate_method(value)
        if hook is not None and (validated := hook(validated)) is None:
            raise _Refused  # DRF asserts that validate() returns the data
        return validated

    return check


def _list(field, child, kinds):
    check_item = _compile(child)
    allow_empty = field.allow_empty
    min_length, max_length = field.min_length, field.max_length
    hook = getattr(field, "validate", None)
    if hook is not None and type(field).validate is serializers.ListSerializer.validate:
        hook = None
    allow_null = field.allow_null

    def check(value):
        if not isinstance(value, kinds):
            if value is None and allow_null:
                return None
            raise _Refused
        if (
            (not allow_empty and not value)
            or (max_length is not None and len(value) > max_length)
            or (min_length is not None and len(value) < min_length)
        ):
            raise _Refused
        items = [check_item(item) for item in value]
        if hook is not None and (items := hook(items)) is None:
            raise _Refused
        return items

    return check


def _leaf(field):
    to_internal_value = field.to_internal_value
    checks = [_inline(validator, field) for validator in field.validators]
    blank = isinstance(field, serializers.CharField)
    allow_blank = blank and field.allow_blank
    trim = blank and field.trim_whitespace
    allow_null = field.allow_null

    def check(value):
        if value is None:
            if allow_null:
                return None
            raise _Refused
        # CharField.run_validation: a blank string skips to_internal_value and validators
        if blank and (value == "" or (trim and str(value).strip() == "")):
            if allow_blank:
                return ""
            raise _Refused
        value = to_internal_value(value)
        for refuses in checks:
            if refuses(value):
                raise _Refused
        return value

    return check


def _inline(validator, field):
    """A predicate that is true where `validator` would raise."""
    kind = type(validator)
    limit = getattr(validator, "limit_value", None)
    if not callable(limit):
        if kind is MaxLengthValidator:
            return lambda value: len(value) > limit
        if kind is MinLengthValidator:
            return lambda value: len(value) < limit
        if kind is MaxValueValidator:
            return lambda value: value > limit
        if kind is MinValueValidator:
            return lambda value: value < limit
    if kind is ProhibitNullCharactersValidator:
        return lambda value: "\x00" in str(value)
    if kind is ProhibitSurrogateCharactersValidator:
        return lambda value: _SURROGATE.search(str(value)) is not None

    def refuses(value):
        try:
            validator(value, field) if getattr(validator, "requires_context", False) else (
                validator(value)
            )
        except (serializers.ValidationError, DjangoValidationError):
            return True
        return False

    return refuses


# Field classes whose run_validation is the generic one (or CharField's blank test): their
# own rules are all in `to_internal_value` and `validators`.
_PLAIN_RUN_VALIDATION = {serializers.Field.run_validation, serializers.CharField.run_validation}


def serializer_errors(detail):
    """`Serializer.errors` of a failed validation (a null body reads "No data provided")."""
    if isinstance(detail, list) and len(detail) == 1 and getattr(detail[0], "code", None) == "null":
        return {api_settings.NON_FIELD_ERRORS_KEY: [ErrorDetail("No data provided", code="null")]}
    return detail
