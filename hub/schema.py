"""OpenAPI description of the OCPI conventions: the token header and the response envelope."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers


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


def envelope(name: str, data: serializers.Field | None = None):
    """The OCPI response envelope around `data` (a serializer instance, many=True for lists)."""
    fields = {
        "status_code": serializers.IntegerField(),
        "status_message": serializers.CharField(required=False),
        "timestamp": serializers.CharField(),
    }
    if data is not None:
        fields["data"] = data
    return inline_serializer(name=name, fields=fields)
