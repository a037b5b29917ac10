"""Versions and version details (version_information_endpoint.asciidoc)."""

from drf_spectacular.utils import extend_schema

from agreements.policy import client_infos_for
from hub import status
from hub.authentication import AnyPlatformToken
from hub.endpoints import OCPI_ENDPOINTS, VERSION, version_details_url
from hub.pagination import paginated_response
from hub.responses import ocpi_response
from hub.schema import EMPTY, data_envelope, get_list
from hub.views import OCPIView
from parties.actions import accept_credentials, hub_credentials, unregister_platform
from parties.discovery import RegistrationError
from parties.models import Party, PlatformToken
from parties.serializers import (
    ClientInfoSerializer,
    CredentialsSerializer,
    VersionDetailsSerializer,
    VersionSerializer,
    validate_credentials,
)

CREDENTIALS = data_envelope(CredentialsSerializer)


class VersionsView(OCPIView):
    """GET /ocpi/versions: the versions the hub supports (only 2.2.1)."""

    permission_classes = [AnyPlatformToken]

    @extend_schema(
        operation_id="versions_get",
        summary="OCPI versions",
        responses=data_envelope(VersionSerializer, many=True),
    )
    def get(self, request):
        return ocpi_response([{"version": VERSION, "url": version_details_url()}])


class VersionDetailsView(OCPIView):
    """GET /ocpi/2.2.1: every interface the hub routes, with its role and URL."""

    permission_classes = [AnyPlatformToken]

    @extend_schema(
        operation_id="version_details_get",
        summary="Endpoints of OCPI 2.2.1",
        responses=data_envelope(VersionDetailsSerializer),
    )
    def get(self, request):
        endpoints = [
            {"identifier": endpoint.identifier, "role": endpoint.role, "url": endpoint.url}
            for endpoint in OCPI_ENDPOINTS
        ]
        return ocpi_response({"version": VERSION, "endpoints": endpoints})


class CredentialsView(OCPIView):
    """The hub's credentials endpoint: register (POST), update (PUT), unregister (DELETE)."""

    permission_classes = [AnyPlatformToken]

    def registered(self) -> bool:
        return self.request.auth.kind == PlatformToken.Kind.ACCESS

    def not_allowed(self, reason: str):
        return ocpi_response(status_code=status.CLIENT_ERROR, message=reason, http_status=405)

    @extend_schema(
        operation_id="credentials_get",
        summary="The hub's credentials for the calling platform",
        responses=CREDENTIALS,
    )
    def get(self, request):
        return ocpi_response(hub_credentials(request.auth.presented))

    @extend_schema(
        operation_id="credentials_post",
        summary="Register: the hub fetches the platform's endpoints, answers token C",
        request=CredentialsSerializer,
        responses=CREDENTIALS,
    )
    def post(self, request):
        if self.registered():
            return self.not_allowed("Already registered: use PUT to update the credentials")
        return self.exchange(request, "POST")

    @extend_schema(
        operation_id="credentials_put",
        summary="Update: the hub re-fetches the endpoints and issues a new token",
        request=CredentialsSerializer,
        responses=CREDENTIALS,
    )
    def put(self, request):
        if not self.registered():
            return self.not_allowed("Not registered: use POST with Token A")
        return self.exchange(request, "PUT")

    @extend_schema(
        operation_id="credentials_delete",
        summary="Unregister: the platform's tokens are revoked, status SUSPENDED",
        responses=EMPTY,
    )
    def delete(self, request):
        if not self.registered():
            return self.not_allowed("Not registered")
        unregister_platform(self.platform)
        return ocpi_response()

    def exchange(self, request, method: str):
        credentials = validate_credentials(request.data)
        try:
            token = accept_credentials(
                self.platform, credentials, method=method, presented=request.auth
            )
        except RegistrationError as error:
            return ocpi_response(status_code=error.status_code, message=error.message)
        return ocpi_response(hub_credentials(token))


class HubClientInfoView(OCPIView):
    """The hub's hubclientinfo sender interface: ClientInfo of the parties a platform can reach."""

    @get_list(
        "hubclientinfo_sender_list",
        "ClientInfo of the parties the caller may exchange messages with (paginated)",
        ClientInfoSerializer,
    )
    def get(self, request):
        parties = Party.objects.live().select_related("platform")
        shown = client_infos_for(self.platform.party_list(), parties)
        return paginated_response(
            request,
            parties.filter(pk__in=list(shown)),
            lambda party: party.client_info(shown[party.pk]),
            date_field="last_updated",
        )
