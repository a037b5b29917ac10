"""Versions and version details (version_information_endpoint.asciidoc)."""

from drf_spectacular.utils import extend_schema

from hub.authentication import AnyPlatformToken
from hub.endpoints import VERSION, version_details_url
from hub.responses import ocpi_response
from hub.views import OCPIView


class VersionsView(OCPIView):
    """GET /ocpi/versions: the versions the hub supports (only 2.2.1)."""

    permission_classes = [AnyPlatformToken]

    @extend_schema(summary="OCPI versions supported by the hub")
    def get(self, request):
        return ocpi_response([{"version": VERSION, "url": version_details_url()}])


class VersionDetailsView(OCPIView):
    """GET /ocpi/2.2.1: every interface the hub routes, with its role and URL."""

    permission_classes = [AnyPlatformToken]

    @extend_schema(summary="Endpoints of OCPI 2.2.1 at the hub")
    def get(self, request):
        from hub.urls import OCPI_ENDPOINTS

        endpoints = [
            {"identifier": endpoint.identifier, "role": endpoint.role, "url": endpoint.url}
            for endpoint in OCPI_ENDPOINTS
        ]
        return ocpi_response({"version": VERSION, "endpoints": endpoints})
