"""Commands and Charging Profiles interfaces of the hub.

Receiver interfaces (eMSP/SCSP -> hub -> CPO): validate, store the response-URL mapping,
forward synchronously with `response_url` replaced, relay the CPO's response unchanged.
Sender interfaces (CPO -> hub -> eMSP/SCSP): the asynchronous results posted to the hub's
response URLs, and the CPO's ActiveChargingProfile updates.
"""

from django.http import HttpResponse
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema

from hub import status
from hub.client import Reply
from hub.exceptions import invalid, not_found
from hub.proxy import check_answer, relay
from hub.responses import ocpi_response
from hub.routing import PartyRef, routing_headers
from hub.schema import EMPTY, envelope
from hub.serializers import validate
from hub.throttling import REALTIME
from hub.views import FunctionalView
from parties.models import Party, Role

from . import routing
from .actions import (
    find_command,
    forward_command,
    forward_profile_update,
    open_command,
    relay_result,
)
from .models import CommandType, Module
from .serializers import (
    COMMAND_SERIALIZERS,
    PROFILE_RESULT_SERIALIZERS,
    ActiveChargingProfileRequestSerializer,
    ActiveChargingProfileResultSerializer,
    ActiveChargingProfileSerializer,
    ChargingProfileResponseSerializer,
    ChargingProfileResultSerializer,
    ClearProfileRequestSerializer,
    CommandResponseSerializer,
    CommandResultSerializer,
    SetChargingProfileSerializer,
)

COMMAND_RESPONSE = envelope("CommandResponseEnvelope", CommandResponseSerializer())
PROFILE_RESPONSE = envelope("ChargingProfileResponseEnvelope", ChargingProfileResponseSerializer())


def check_token_owner(sender: Party, token: dict) -> None:
    """Spec (StartSession, ReserveNow): an eMSP SHALL only use Tokens it owns."""
    owner = (token["country_code"].upper(), token["party_id"].upper())
    if owner != sender.ref:
        raise invalid(
            f"token.country_code/token.party_id: the token belongs to {owner[0]}*{owner[1]}, "
            f"not to the sending eMSP {sender.country_code}*{sender.party_id}"
        )


def check_session_id(session_id: str) -> None:
    if not session_id or len(session_id) > 36:
        raise invalid("session_id: required in the URL, at most 36 characters")


def relay_without_data(reply: Reply, receiver: Party, sender: Party) -> HttpResponse:
    """The receiver's status in an envelope with no `data` (mod_charging_profiles, POST and PUT
    Response Body); 4xxx when unreachable."""
    check_answer(reply, receiver, envelope_required=False)
    status_code = reply.status_code
    if status_code is None:
        status_code = status.SUCCESS if reply.ok else status.CLIENT_ERROR
    return ocpi_response(
        status_code=status_code,
        message=reply.message or None,
        http_status=reply.http_status,
        headers=routing_headers(PartyRef(*sender.ref), PartyRef(*receiver.ref)),
    )


class CommandReceiverView(FunctionalView):
    """POST {command}: an eMSP's command, forwarded to the CPO. OTHER may send commands too:
    it is an eMSP type of role (transport_and_format, Broadcast Push)."""

    rate_limit_scope = REALTIME
    sender_roles = (Role.EMSP, Role.OTHER)

    @extend_schema(
        operation_id="commands_receiver_post",
        summary="Send a command to a CPO (response_url is replaced by a hub URL)",
        request=PolymorphicProxySerializer(
            "Command",
            [serializer() for serializer in COMMAND_SERIALIZERS.values()],
            resource_type_field_name=None,
        ),
        responses=COMMAND_RESPONSE,
    )
    def post(self, request, command):
        serializer_class = COMMAND_SERIALIZERS.get(command)
        if serializer_class is None:
            raise not_found(
                f"Unknown command {command}: expected one of {', '.join(COMMAND_SERIALIZERS)}",
                status.INVALID_OR_MISSING_PARAMETERS,
            )
        sender = self.sender_party()
        data = validate(serializer_class, request.data)
        if "token" in data:
            check_token_owner(sender, data["token"])
        cpo = routing.resolve_cpo(sender, command, data, self.to_ref)
        entry = open_command(
            requester=sender,
            cpo=cpo,
            module=Module.COMMANDS,
            command=command,
            request=request.data,
            response_url=data["response_url"],
            correlation_id=request.ocpi_correlation_id,
            reservation_id=data.get("reservation_id", ""),
            session_id=data.get("session_id", ""),
            reserved_until=data.get("expiry_date"),
        )
        reply = forward_command(
            entry,
            method="POST",
            segments=(command,),
            body={**request.data, "response_url": entry.hub_response_url},
        )
        return relay(reply, entry.cpo, entry.requester)


class CommandResultView(FunctionalView):
    """POST {id}: a CPO's CommandResult at a response URL the hub gave it."""

    rate_limit_scope = REALTIME
    sender_roles = (Role.CPO,)

    @extend_schema(
        operation_id="commands_sender_post_result",
        summary="A CPO's CommandResult, relayed to the eMSP's original response_url",
        request=CommandResultSerializer,
        responses=EMPTY,
    )
    def post(self, request, command_id):
        entry = find_command(self.platform, Module.COMMANDS, command_id)
        validate(CommandResultSerializer, request.data)
        reply = relay_result(entry, request.data)
        return relay(reply, entry.requester, entry.cpo)


class ChargingProfileReceiverView(FunctionalView):
    """GET/PUT/DELETE {session_id}: an eMSP's or SCSP's request, forwarded to the CPO."""

    sender_roles = routing.PROFILE_SENDER_ROLES

    @extend_schema(
        operation_id="chargingprofiles_receiver_get",
        summary="Request the ActiveChargingProfile of a session from its CPO",
        parameters=[ActiveChargingProfileRequestSerializer],
        responses=PROFILE_RESPONSE,
    )
    def get(self, request, session_id):
        query = validate(ActiveChargingProfileRequestSerializer, request.query_params)
        return self.forward(
            session_id, CommandType.GET_ACTIVE_CHARGING_PROFILE, "GET", dict(query), query=True
        )

    @extend_schema(
        operation_id="chargingprofiles_receiver_put",
        summary="Set a charging profile on a session at its CPO",
        request=SetChargingProfileSerializer,
        responses=PROFILE_RESPONSE,
    )
    def put(self, request, session_id):
        validate(SetChargingProfileSerializer, request.data)
        return self.forward(session_id, CommandType.SET_CHARGING_PROFILE, "PUT", request.data)

    @extend_schema(
        operation_id="chargingprofiles_receiver_delete",
        summary="Clear the charging profile of a session at its CPO",
        parameters=[ClearProfileRequestSerializer],
        responses=PROFILE_RESPONSE,
    )
    def delete(self, request, session_id):
        query = validate(ClearProfileRequestSerializer, request.query_params)
        return self.forward(
            session_id, CommandType.CLEAR_CHARGING_PROFILE, "DELETE", dict(query), query=True
        )

    def forward(self, session_id: str, command: str, method: str, data: dict, query=False):
        check_session_id(session_id)
        sender = self.sender_party()
        cpo = routing.session_cpo(session_id, self.to_ref, sender)
        entry = open_command(
            requester=sender,
            cpo=cpo,
            module=Module.CHARGINGPROFILES,
            command=command,
            request=data,
            response_url=data["response_url"],
            correlation_id=self.request.ocpi_correlation_id,
            session_id=session_id,
        )
        # Query values are encoded again by the client, whatever encoding the caller used.
        rewritten = {**data, "response_url": entry.hub_response_url}
        reply = forward_command(
            entry,
            method=method,
            segments=(session_id,),
            params=rewritten if query else None,
            body=None if query else rewritten,
        )
        return relay(reply, entry.cpo, entry.requester)


class ChargingProfileSenderView(FunctionalView):
    """POST {id}: a CPO's async result. PUT {session_id}: a CPO's ActiveChargingProfile update.

    Both share one URL shape on the hub's chargingprofiles SENDER interface; the method tells
    them apart. Both are answered with the envelope and no `data` (mod_charging_profiles, POST and
    PUT Response Body).
    """

    rate_limit_scope = REALTIME
    sender_roles = (Role.CPO,)

    @extend_schema(
        operation_id="chargingprofiles_sender_post_result",
        summary="A CPO's ChargingProfileResult, ClearProfileResult or "
        "ActiveChargingProfileResult, relayed to the original response_url",
        request=PolymorphicProxySerializer(
            "ChargingProfileResultChoice",
            [ChargingProfileResultSerializer(), ActiveChargingProfileResultSerializer()],
            resource_type_field_name=None,
        ),
        responses=EMPTY,
    )
    def post(self, request, reference):
        entry = find_command(self.platform, Module.CHARGINGPROFILES, reference)
        validate(PROFILE_RESULT_SERIALIZERS[entry.command], request.data)
        reply = relay_result(entry, request.data)
        return relay_without_data(reply, entry.requester, entry.cpo)

    @extend_schema(
        operation_id="chargingprofiles_sender_put",
        summary="A CPO's ActiveChargingProfile update, routed to the party that set a profile",
        request=ActiveChargingProfileSerializer,
        responses=EMPTY,
    )
    def put(self, request, reference):
        session_id = reference
        check_session_id(session_id)
        cpo = self.sender_party()
        validate(ActiveChargingProfileSerializer, request.data)
        receiver = routing.profile_receiver(cpo, session_id, self.to_ref)
        reply = forward_profile_update(
            cpo, receiver, session_id, request.data, request.ocpi_correlation_id
        )
        return relay_without_data(reply, receiver, cpo)
