"""Locations interfaces of the hub: receiver (CPOs push) and sender (eMSPs and others pull)."""

from drf_spectacular.utils import extend_schema_view

from hub.exceptions import not_found
from hub.pagination import paginated_response
from hub.proxy import forward_get, get_at_receiver
from hub.responses import ocpi_response
from hub.routing import PartyRef
from hub.schema import get_list, get_object, push
from hub.views import FunctionalView
from locations.actions import KINDS, MODULE, find_location, push_location, resolve
from locations.models import Location
from locations.serializers import ConnectorSerializer, EvseSerializer, LocationSerializer
from parties.models import Role

CPO = (Role.CPO,)


def _segments(location_id, evse_uid, connector_id) -> list[str]:
    return [s for s in (location_id, evse_uid, connector_id) if s is not None]


def _stored_part(location: Location, segments: list[str]):
    found = resolve(location.document, segments)
    if found is None:
        raise not_found(f"Unknown {KINDS[len(segments)]} {segments[-1]}")
    return ocpi_response(found)


def receiver_schema(kind: str, serializer):
    """The receiver interface at one depth: the body is a Location, an EVSE or a Connector."""
    name = kind.lower()
    return extend_schema_view(
        get=get_object(
            f"locations_receiver_get_{name}",
            f"The hub's copy of the CPO's own {kind} (with OCPI-to: the receiver's copy)",
            serializer,
        ),
        put=push(
            f"locations_receiver_put_{name}",
            f"Push a new or replaced {kind}; sent on to every eMSP (or to OCPI-to)",
            serializer,
        ),
        patch=push(
            f"locations_receiver_patch_{name}",
            f"Update fields of a {kind} (last_updated required); sent on likewise",
            serializer,
            partial=True,
        ),
    )


def sender_schema(kind: str, serializer):
    return get_object(
        f"locations_sender_get_{kind.lower()}",
        f"A {kind} from the CPO named in OCPI-to (relayed), or the stored copy of the only CPO "
        "with this Location",
        serializer,
    )


@receiver_schema("Location", LocationSerializer)
class LocationReceiverView(FunctionalView):
    """`{country_code}/{party_id}/{location_id}[/{evse_uid}[/{connector_id}]]`, the CPO's own."""

    sender_roles = (Role.CPO,)

    def get(self, request, country_code, party_id, location_id, evse_uid=None, connector_id=None):
        owner = self.owned_object(country_code, party_id)
        segments = _segments(location_id, evse_uid, connector_id)
        if self.to_ref is not None:  # the CPO checks its object at one receiver
            return get_at_receiver(
                request,
                owner=owner,
                to_ref=self.to_ref,
                roles=(Role.EMSP, Role.NSP, Role.OTHER, Role.NAP),
                module="locations",
                segments=segments,
            )
        return _stored_part(find_location(location_id, owner=PartyRef(*owner.ref)), segments)

    def put(self, request, **kwargs):
        return self._push(request, "PUT", **kwargs)

    def patch(self, request, **kwargs):
        return self._push(request, "PATCH", **kwargs)

    def _push(
        self, request, method, country_code, party_id, location_id, evse_uid=None, connector_id=None
    ):
        body = request._request.body  # before DRF parses it: forwarded byte for byte
        owner = self.owned_object(country_code, party_id)
        created = push_location(
            owner=owner,
            to_ref=self.to_ref,
            method=method,
            segments=_segments(location_id, evse_uid, connector_id),
            data=request.data,
            body=body,
            correlation_id=request._request.ocpi_correlation_id,
            validation=self.validation,
        )
        return ocpi_response(http_status=201 if created else 200)


class LocationListView(FunctionalView):
    """GET All via the hub: the stored Locations of every CPO. With OCPI-to naming a CPO it is
    a direct request, forwarded to that CPO's locations SENDER interface."""

    @get_list(
        "locations_sender_list",
        "The stored Locations of every CPO (paginated); with OCPI-to naming a CPO, that CPO's "
        "own answer, relayed",
        LocationSerializer,
    )
    def get(self, request):
        if self.to_ref is not None:  # a direct request: the CPO's own answer
            return forward_get(
                request, sender=self.sender_party(), to_ref=self.to_ref, roles=CPO, module=MODULE
            )
        locations = Location.objects.readable_by(self.requesting_parties(), "locations")
        locations = locations.only("pk", "document")
        return paginated_response(request, locations, lambda location: location.document)


class LocationObjectView(FunctionalView):
    """`{location_id}[/{evse_uid}[/{connector_id}]]`: forwarded to the CPO named in OCPI-to
    (direct request); without OCPI-to, the stored copy of the only CPO that has this Location
    id (open routing)."""

    @sender_schema("Location", LocationSerializer)
    def get(self, request, location_id, evse_uid=None, connector_id=None):
        segments = _segments(location_id, evse_uid, connector_id)
        if self.to_ref is not None:  # a direct request: the CPO's own answer
            return forward_get(
                request,
                sender=self.sender_party(),
                to_ref=self.to_ref,
                roles=CPO,
                module=MODULE,
                segments=segments,
            )
        location = find_location(
            location_id,
            owner=None,
            among=Location.objects.readable_by(self.requesting_parties(), "locations"),
        )
        return _stored_part(location, segments)


# The same views one and two levels down. Separate classes only so that each URL has its own
# operation and body in the API schema.


@receiver_schema("EVSE", EvseSerializer)
class EvseReceiverView(LocationReceiverView):
    pass


@receiver_schema("Connector", ConnectorSerializer)
class ConnectorReceiverView(LocationReceiverView):
    pass


@extend_schema_view(get=sender_schema("EVSE", EvseSerializer))
class EvseObjectView(LocationObjectView):
    pass


@extend_schema_view(get=sender_schema("Connector", ConnectorSerializer))
class ConnectorObjectView(LocationObjectView):
    pass
