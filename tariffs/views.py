"""Tariffs interfaces of the hub: receiver (CPOs push) and sender (eMSPs and others pull)."""

from drf_spectacular.utils import extend_schema

from hub.pagination import paginated_response
from hub.proxy import forward_get, get_at_receiver
from hub.responses import ocpi_response
from hub.schema import EMPTY, get_list, get_object, push
from hub.views import FunctionalView
from parties.models import Role
from tariffs.actions import delete_tariff, find_tariff, put_tariff
from tariffs.models import Tariff
from tariffs.serializers import TariffSerializer

MODULE = "tariffs"
CPO = (Role.CPO,)
RECEIVING_ROLES = (Role.EMSP, Role.NSP, Role.OTHER, Role.NAP)


class TariffReceiverView(FunctionalView):
    """`{country_code}/{party_id}/{tariff_id}`, the CPO's own. PATCH is n/a (405)."""

    sender_roles = (Role.CPO,)

    @get_object(
        "tariffs_receiver_get",
        "The hub's copy of the CPO's own Tariff (with OCPI-to: the receiver's copy)",
        TariffSerializer,
    )
    def get(self, request, country_code, party_id, tariff_id):
        owner = self.owned_object(country_code, party_id)
        if self.to_ref is not None:  # the CPO checks its Tariff at one receiver
            return get_at_receiver(
                request,
                owner=owner,
                to_ref=self.to_ref,
                roles=RECEIVING_ROLES,
                module="tariffs",
                segments=(tariff_id,),
            )
        return ocpi_response(find_tariff(owner, tariff_id).document)

    @push(
        "tariffs_receiver_put",
        "Push a new or replaced Tariff; sent on to every eMSP (or to OCPI-to)",
        TariffSerializer,
    )
    def put(self, request, country_code, party_id, tariff_id):
        body = request._request.body  # before DRF parses it: forwarded byte for byte
        created = put_tariff(
            owner=self.owned_object(country_code, party_id),
            to_ref=self.to_ref,
            tariff_id=tariff_id,
            data=request.data,
            body=body,
            correlation_id=request._request.ocpi_correlation_id,
            validation=self.validation,
        )
        return ocpi_response(http_status=201 if created else 200)

    @extend_schema(
        operation_id="tariffs_receiver_delete",
        summary="Delete a Tariff; the DELETE is sent on to every receiver that got it",
        responses=EMPTY,
    )
    def delete(self, request, country_code, party_id, tariff_id):
        delete_tariff(
            owner=self.owned_object(country_code, party_id),
            to_ref=self.to_ref,
            tariff_id=tariff_id,
            correlation_id=request._request.ocpi_correlation_id,
        )
        return ocpi_response()


class TariffListView(FunctionalView):
    """GET All via the hub: the stored Tariffs of every CPO. With OCPI-to naming a CPO it is a
    direct request, forwarded to that CPO's tariffs SENDER interface."""

    @get_list(
        "tariffs_sender_list",
        "The stored Tariffs of every CPO (paginated); with OCPI-to naming a CPO, that CPO's "
        "own answer, relayed",
        TariffSerializer,
    )
    def get(self, request):
        if self.to_ref is not None:  # a direct request: the CPO's own answer
            return forward_get(
                request, sender=self.sender_party(), to_ref=self.to_ref, roles=CPO, module=MODULE
            )
        tariffs = Tariff.objects.readable_by(self.requesting_parties(), "tariffs")
        tariffs = tariffs.only("pk", "document")
        return paginated_response(request, tariffs, lambda tariff: tariff.document)
