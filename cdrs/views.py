"""CDRs interfaces of the hub: receiver (CPOs POST, read the hub's copy) and sender (eMSPs
pull their own). CDRs are private to the eMSP they are for (the owner of `cdr_token`)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema

from cdrs.actions import hub_location, post_cdr
from cdrs.models import Cdr
from cdrs.serializers import CdrSerializer
from hub.exceptions import not_found
from hub.pagination import paginated_response
from hub.responses import ocpi_response
from hub.schema import EMPTY, get_list, get_object
from hub.views import FunctionalView
from parties.models import Role


class CdrReceiverView(FunctionalView):
    """POST a new CDR; answered 201 with `Location`: the hub's copy."""

    sender_roles = (Role.CPO,)

    @extend_schema(
        operation_id="cdrs_receiver_post",
        summary="Post a new CDR; delivered to the eMSP of its token, retried until it answers",
        request=CdrSerializer,
        responses={
            201: OpenApiResponse(EMPTY, description="`Location` header: the hub's copy of the CDR")
        },
    )
    def post(self, request):
        body = request._request.body  # before DRF parses it: forwarded byte for byte
        cpos = [party for party in self.requesting_parties() if party.role == Role.CPO]
        cdr = post_cdr(
            platform_cpos=cpos,
            from_ref=self.from_ref,
            to_ref=self.to_ref,
            data=request.data,
            body=body,
            correlation_id=request._request.ocpi_correlation_id,
        )
        return ocpi_response(http_status=201, headers={"Location": hub_location(cdr)})


class CdrCopyView(FunctionalView):
    """GET `{uid}`: the hub's copy of a CDR, for the CPO that POSTed it only."""

    sender_roles = (Role.CPO,)

    @get_object(
        "cdrs_receiver_get",
        "The hub's copy of a CDR, at the URL the POST answered in `Location`",
        CdrSerializer,
    )
    def get(self, request, cdr_uid):
        cdr = Cdr.objects.visible_to(
            [party for party in self.requesting_parties() if party.role == Role.CPO]
        ).filter(uid=cdr_uid)
        found = cdr.first()
        if found is None:
            raise not_found(f"Unknown CDR {cdr_uid}")
        return ocpi_response(found.document)


class CdrListView(FunctionalView):
    """GET list: the requester's own CDRs (eMSP: those for it; CPO: those it owns)."""

    @get_list(
        "cdrs_sender_list",
        "The requester's own CDRs (eMSP: those for it; CPO: those it posted), paginated",
        CdrSerializer,
    )
    def get(self, request):
        cdrs = Cdr.objects.visible_to(self.requesting_parties()).only("pk", "document")
        if self.to_ref is not None:
            cdrs = cdrs.owned_by(self.to_ref.country_code, self.to_ref.party_id)
        return paginated_response(request, cdrs, lambda cdr: cdr.document)
