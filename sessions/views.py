"""Sessions interfaces of the hub: receiver (CPOs push) and sender (eMSPs pull, set preferences).

Sessions are private to the eMSP they are for (the owner of `cdr_token`) and the CPO that
owns them: nobody else reads them.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from cdrs.models import EMSP_ROLES
from hub.exceptions import OCPIError, invalid, not_found
from hub.pagination import paginated_response
from hub.proxy import find_receiver, forward, forward_get, get_at_receiver
from hub.responses import ocpi_response
from hub.routing import PartyRef
from hub.schema import envelope, get_list, get_object, push
from hub.serializers import validate
from hub.status import UNKNOWN_RECEIVER
from hub.views import FunctionalView
from parties.models import Role
from sessions.actions import MODULE, push_session
from sessions.models import Session
from sessions.serializers import (
    CHARGING_PREFERENCES_RESPONSE,
    ChargingPreferencesSerializer,
    SessionSerializer,
)


class SessionReceiverView(FunctionalView):
    """`{country_code}/{party_id}/{session_id}`: the CPO's own Sessions. POST/DELETE: 405."""

    sender_roles = (Role.CPO,)

    @get_object(
        "sessions_receiver_get",
        "The hub's copy of the CPO's own Session (with OCPI-to: the eMSP's copy)",
        SessionSerializer,
    )
    def get(self, request, country_code, party_id, session_id):
        owner = self.owned_object(country_code, party_id)
        if self.to_ref is not None:  # the CPO checks its Session at the eMSP
            return get_at_receiver(
                request,
                owner=owner,
                to_ref=self.to_ref,
                roles=EMSP_ROLES,
                module=MODULE,
                segments=(session_id,),
            )
        session = Session.objects.owned_by(*owner.ref).filter(session_id=session_id.upper()).first()
        if session is None:
            raise not_found(f"Unknown Session {session_id}")
        return ocpi_response(session.document)

    @push(
        "sessions_receiver_put",
        "Push a new or replaced Session; sent on to the eMSP of its token",
        SessionSerializer,
    )
    def put(self, request, **kwargs):
        return self._push(request, "PUT", **kwargs)

    @push(
        "sessions_receiver_patch",
        "Update fields of a Session (charging_periods are appended); sent on likewise",
        SessionSerializer,
        partial=True,
    )
    def patch(self, request, **kwargs):
        return self._push(request, "PATCH", **kwargs)

    def _push(self, request, method, country_code, party_id, session_id):
        body = request._request.body  # before DRF parses it: forwarded byte for byte
        owner = self.owned_object(country_code, party_id)
        created = push_session(
            owner=owner,
            to_ref=self.to_ref,
            method=method,
            session_id=session_id,
            data=request.data,
            body=body,
            correlation_id=request._request.ocpi_correlation_id,
            validation=self.validation,
        )
        return ocpi_response(http_status=201 if created else 200)


class SessionListView(FunctionalView):
    """GET list (date_from required): the requester's own Sessions only. With OCPI-to naming a
    CPO it is a direct request, forwarded to that CPO's sessions SENDER interface."""

    @get_list(
        "sessions_sender_list",
        "The requesting eMSP's own Sessions (paginated; date_from required)",
        SessionSerializer,
        date_from_required=True,
    )
    def get(self, request):
        if self.to_ref is not None:  # a direct request: the CPO's own answer
            return forward_get(
                request,
                sender=self.sender_party(),
                to_ref=self.to_ref,
                roles=(Role.CPO,),
                module=MODULE,
            )
        sessions = Session.objects.visible_to(self.requesting_parties()).only("pk", "document")
        return paginated_response(
            request, sessions, lambda session: session.document, require_date_from=True
        )


class ChargingPreferencesView(FunctionalView):
    """`{session_id}/charging_preferences`: forwarded to the CPO of the eMSP's own Session, and
    the CPO's answer relayed unchanged (mod_sessions: Sender Interface, PUT)."""

    sender_roles = EMSP_ROLES

    @extend_schema(
        operation_id="sessions_sender_put_charging_preferences",
        summary="Set the driver's ChargingPreferences; the CPO's answer is relayed unchanged",
        request=ChargingPreferencesSerializer,
        responses=envelope(
            "ChargingPreferencesResponseEnvelope",
            serializers.ChoiceField(CHARGING_PREFERENCES_RESPONSE),
        ),
    )
    def put(self, request, session_id):
        body = request._request.body
        emsp = self.sender_party()
        if not isinstance(request.data, dict):
            raise invalid("body: expected a JSON object (ChargingPreferences)")
        validate(ChargingPreferencesSerializer, request.data)
        sessions = Session.objects.filter(
            session_id=session_id.upper(),
            emsp_country_code=emsp.country_code,
            emsp_party_id=emsp.party_id,
        )
        if self.to_ref is not None:
            find_receiver(self.to_ref, (Role.CPO,))  # 4001 for a party the hub does not know
            sessions = sessions.owned_by(self.to_ref.country_code, self.to_ref.party_id)
        found = list(sessions[:2])
        if not found:
            if self.to_ref is not None:
                raise not_found(f"Unknown Session {session_id} of {self.to_ref} for {emsp}")
            raise OCPIError(
                UNKNOWN_RECEIVER, f"No Session {session_id} for {emsp}: its CPO is unknown"
            )
        if len(found) > 1:
            raise invalid(
                f"Session {session_id} exists at several CPOs: name one with "
                "OCPI-to-country-code and OCPI-to-party-id"
            )
        session = found[0]
        cpo = find_receiver(PartyRef(session.country_code, session.party_id), (Role.CPO,))
        return forward(
            request,
            sender=emsp,
            receiver=cpo,
            module=MODULE,
            interface="SENDER",
            method="PUT",
            segments=(session.document["id"], "charging_preferences"),
            body=body,
        )
