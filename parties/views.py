"""Versions and version details (version_information_endpoint.asciidoc)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers

from hub.authentication import AnyPlatformToken
from hub.endpoints import VERSION, version_details_url
from hub.responses import ocpi_response
from hub.schema import envelope
from hub.views import OCPIView

VERSION_SCHEMA = inline_serializer(
    "Version", {"version": serializers.CharField(), "url": serializers.URLField()}, many=True
)
ENDPOINT_SCHEMA = inline_serializer(
    "Endpoint",
    {
        "identifier": serializers.CharField(),
        "role": serializers.ChoiceField(["SENDER", "RECEIVER"]),
        "url": serializers.URLField(),
    },
    many=True,
)
VERSION_DETAILS_SCHEMA = inline_serializer(
    "VersionDetails", {"version": serializers.CharField(), "endpoints": ENDPOINT_SCHEMA}
)


class VersionsView(OCPIView):
    """GET /ocpi/versions: the versions the hub supports (only 2.2.1)."""

    permission_classes = [AnyPlatformToken]

    @extend_schema(summary="OCPI versions", responses=envelope("VersionsResponse", VERSION_SCHEMA))
    def get(self, request):
        return ocpi_response([{"version": VERSION, "url": version_details_url()}])


class VersionDetailsView(OCPIView):
    """GET /ocpi/2.2.1: every interface the hub routes, with its role and URL."""

    permission_classes = [AnyPlatformToken]

    @extend_schema(
        summary="Endpoints of OCPI 2.2.1",
        responses=envelope("VersionDetailsResponse", VERSION_DETAILS_SCHEMA),
    )
    def get(self, request):
        from hub.urls import OCPI_ENDPOINTS

        endpoints = [
            {"identifier": endpoint.identifier, "role": endpoint.role, "url": endpoint.url}
            for endpoint in OCPI_ENDPOINTS
        ]
        return ocpi_response({"version": VERSION, "endpoints": endpoints})
