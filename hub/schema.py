"""OpenAPI description of the OCPI conventions: the token header, the response envelope, the
routing headers, pagination and one tag per module.

Every view states its operation with `@extend_schema(operation_id=, summary=, request=,
responses=, parameters=)`; what all OCPI requests share is added here, once.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers

from hub.ocpi_types import TOKEN_TYPE


class CredentialsTokenScheme(OpenApiAuthenticationExtension):
    target_class = "hub.authentication.CredentialsTokenAuthentication"
    name = "OCPIToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <base64 of the credentials token>` (raw token also accepted)",
        }


_ENVELOPES: dict[str, serializers.Serializer] = {}


def envelope(name: str, data: serializers.Field | None = None):
    """The OCPI response envelope around `data` (a serializer instance, many=True for lists).

    One component per name: views that answer the same envelope name share one instance.
    """
    if name in _ENVELOPES:
        return _ENVELOPES[name]
    fields = {
        "status_code": serializers.IntegerField(),
        "status_message": serializers.CharField(required=False),
        "timestamp": serializers.CharField(),
    }
    if data is not None:
        fields["data"] = data
    _ENVELOPES[name] = inline_serializer(name=name, fields=fields)
    return _ENVELOPES[name]


# The answer to a push (PUT, PATCH, DELETE) or to a relayed result: the envelope, no data.
EMPTY = envelope("EmptyEnvelope")
PUSHED = {200: EMPTY, 201: EMPTY}


def header(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, OpenApiParameter.HEADER, description=description)


REQUEST_ID_HEADERS = [
    header("X-Request-ID", "Unique per request (made by the hub when absent)."),
    header("X-Correlation-ID", "One per request chain, kept when the hub forwards."),
]
ROUTING_HEADERS = [
    header("OCPI-from-country-code", "The sending party; required when the platform has several."),
    header("OCPI-from-party-id", "The sending party; required when the platform has several."),
    header("OCPI-to-country-code", "The receiving party; absent: open routing by the hub."),
    header("OCPI-to-party-id", "The receiving party; absent: open routing by the hub."),
]


def query(name: str, kind, description: str, **kwargs) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description, **kwargs)


def pagination(date_from_required: bool = False) -> list[OpenApiParameter]:
    """The query of a paginated GET list; the answer carries X-Total-Count, X-Limit and,
    unless it is the last page, `Link: <…>; rel="next"`."""
    return [
        query(
            "date_from",
            OpenApiTypes.DATETIME,
            "Only objects with last_updated at or after this DateTime.",
            required=date_from_required,
        ),
        query("date_to", OpenApiTypes.DATETIME, "Only objects with last_updated before this."),
        query("offset", int, "Index of the first object of the page (default 0)."),
        query("limit", int, "Most objects in the page (capped by the hub, see X-Limit)."),
    ]


TOKEN_TYPE_QUERY = query(
    "type", str, "The TokenType of the token_uid (default RFID).", enum=TOKEN_TYPE
)


def data_envelope(serializer_class: type[serializers.Serializer], many: bool = False):
    """The envelope around one object (or a list) of this class: `TariffEnvelope`..."""
    name = serializer_class.__name__.removesuffix("Serializer") + ("List" if many else "")
    return envelope(f"{name}Envelope", serializer_class(many=many))


def get_object(operation_id: str, summary: str, serializer_class, parameters=()):
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        parameters=list(parameters),
        responses=data_envelope(serializer_class),
    )


def get_list(operation_id: str, summary: str, serializer_class, date_from_required=False):
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        parameters=pagination(date_from_required),
        responses=data_envelope(serializer_class, many=True),
    )


def push(operation_id: str, summary: str, serializer_class, partial=False, parameters=()):
    """PUT or PATCH (partial) of a client-owned object: answered with the envelope only."""
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        parameters=list(parameters),
        request=serializer_class(partial=True) if partial else serializer_class,
        responses=PUSHED,
    )


class OCPIAutoSchema(AutoSchema):
    """Tags by OCPI module, request-id headers everywhere, routing headers on functional
    modules (configuration modules, such as credentials and hubclientinfo, are not routed)."""

    def get_tags(self) -> list[str]:
        segments = self.path.strip("/").split("/")  # ocpi/2.2.1/<role>/<module>/...
        for role in ("sender", "receiver"):
            if role in segments:
                return [segments[segments.index(role) + 1]]
        if len(segments) > 2:  # ocpi/2.2.1/credentials, ocpi/2.2.1/hubclientinfo
            return [segments[2]]
        return ["versions"]

    def get_override_parameters(self):
        from hub.views import FunctionalView

        parameters = [*REQUEST_ID_HEADERS, *super().get_override_parameters()]
        if isinstance(self.view, FunctionalView):
            parameters = [*ROUTING_HEADERS, *parameters]
        return parameters
