"""CDRs interfaces of the hub: receiver (CPOs POST, read the hub's copy) and sender (eMSPs
pull their own). CDRs are private to the eMSP they are for (the owner of `cdr_token`)."""

import uuid

from drf_spectacular.utils import OpenApiResponse, extend_schema

from cdrs.actions import hub_location, post_cdr
from cdrs.models import EMSP_ROLES, Cdr
from cdrs.serializers import CdrSerializer
from hub.exceptions import not_found
from hub.pagination import paginated_response
from hub.proxy import find_receiver, forward_get, forward_to_url
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
            validation=self.validation,
        )
        return ocpi_response(http_status=201, headers={"Location": hub_location(cdr)})


class CdrCopyView(FunctionalView):
    """GET `{uid}`, the URL the hub answered in `Location`, for the CPO that POSTed the CDR.

    With OCPI-to naming the eMSP the CDR went to, a direct request: forwarded to the URL the
    eMSP answered in its own `Location` (mod_cdrs, POST Method), the eMSP's answer relayed.
    Otherwise, or when the eMSP gave no `Location`, the hub's stored copy.
    """

    sender_roles = (Role.CPO,)

    @get_object(
        "cdrs_receiver_get",
        "The CDR at the URL the POST answered in `Location`: the hub's copy, or with OCPI-to "
        "naming the eMSP, the eMSP's copy (relayed)",
        CdrSerializer,
    )
    def get(self, request, cdr_uid):
        cpos = [party for party in self.requesting_parties() if party.role == Role.CPO]
        found = Cdr.objects.visible_to(cpos).filter(uid=_uuid_or_none(cdr_uid)).first()
        if found is None:
            raise not_found(f"Unknown CDR {cdr_uid}")
        if self.to_ref is None:
            return ocpi_response(found.document)
        emsp = find_receiver(self.to_ref, EMSP_ROLES)
        if emsp.ref != (found.emsp_country_code, found.emsp_party_id):
            raise not_found(f"CDR {cdr_uid} was not sent to {self.to_ref}")
        if not found.emsp_location:  # the eMSP gave no URL: the hub's copy stands for it
            return ocpi_response(found.document)
        owner = next(party for party in cpos if party.ref == (found.country_code, found.party_id))
        return forward_to_url(
            request,
            sender=owner,
            receiver=emsp,
            module="cdrs",
            method="GET",
            url=found.emsp_location,
        )


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class CdrPushUrlView(FunctionalView):
    """`{country_code}/{party_id}/{cdr_id}`: a CDR cannot be changed or replaced (mod_cdrs,
    Receiver Interface: PUT, PATCH and DELETE are n/a), so every method is 405."""

    http_method_names = ["get", "post", "put", "patch", "delete"]


class CdrListView(FunctionalView):
    """GET list: the requester's own CDRs (eMSP: those for it; CPO: those it owns). With
    OCPI-to naming a CPO it is a direct request, forwarded to that CPO's cdrs SENDER."""

    @get_list(
        "cdrs_sender_list",
        "The requester's own CDRs (eMSP: those for it; CPO: those it posted), paginated",
        CdrSerializer,
    )
    def get(self, request):
        if self.to_ref is not None:  # a direct request: the CPO's own answer
            return forward_get(
                request,
                sender=self.sender_party(),
                to_ref=self.to_ref,
                roles=(Role.CPO,),
                module="cdrs",
            )
        cdrs = Cdr.objects.visible_to(self.requesting_parties()).only("pk", "document")
        return paginated_response(request, cdrs, lambda cdr: cdr.document)
