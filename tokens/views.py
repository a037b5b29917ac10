"""Tokens interfaces of the hub: receiver (eMSPs push), sender (CPOs pull and authorize)."""

from django.conf import settings
from drf_spectacular.utils import extend_schema

from agreements.policy import readable_owners
from hub.pagination import paginated_response
from hub.proxy import find_receiver, forward, forward_get, get_at_receiver
from hub.responses import ocpi_response
from hub.schema import TOKEN_TYPE_QUERY, data_envelope, get_list, get_object, push
from hub.throttling import REALTIME
from hub.views import FunctionalView
from parties.models import Role
from tokens.actions import TOKEN_OWNERS, find_token, push_token, token_owner
from tokens.models import Token
from tokens.serializers import (
    DEFAULT_TYPE,
    AuthorizationInfoSerializer,
    LocationReferencesSerializer,
    TokenSerializer,
    token_type_param,
    validate_location_references,
)


class TokenReceiverView(FunctionalView):
    """`{country_code}/{party_id}/{token_uid}[?type=]`, the eMSP's own. A CPO cannot push.

    OTHER pushes Tokens too: for this module the spec sees it as an eMSP type of role
    (transport_and_format, Broadcast Push).
    """

    sender_roles = TOKEN_OWNERS

    @get_object(
        "tokens_receiver_get",
        "The hub's copy of the eMSP's own Token (with OCPI-to: that CPO's copy)",
        TokenSerializer,
        parameters=[TOKEN_TYPE_QUERY],
    )
    def get(self, request, country_code, party_id, token_uid):
        owner = self.owned_object(country_code, party_id)
        token_type = token_type_param(request.query_params.get("type")) or DEFAULT_TYPE
        if self.to_ref is not None:  # the eMSP checks its Token at one CPO
            return get_at_receiver(
                request,
                owner=owner,
                to_ref=self.to_ref,
                roles=(Role.CPO,),
                module="tokens",
                segments=(token_uid,),
                params={"type": token_type},
            )
        return ocpi_response(find_token(owner, token_uid, token_type).document)

    @push(
        "tokens_receiver_put",
        "Push a new or replaced Token; sent on to every CPO (or to OCPI-to)",
        TokenSerializer,
        parameters=[TOKEN_TYPE_QUERY],
    )
    def put(self, request, **kwargs):
        return self._push(request, "PUT", **kwargs)

    @push(
        "tokens_receiver_patch",
        "Update fields of a Token (last_updated required); sent on likewise",
        TokenSerializer,
        partial=True,
        parameters=[TOKEN_TYPE_QUERY],
    )
    def patch(self, request, **kwargs):
        return self._push(request, "PATCH", **kwargs)

    def _push(self, request, method, country_code, party_id, token_uid):
        body = request._request.body  # before DRF parses it: forwarded byte for byte
        created = push_token(
            owner=self.owned_object(country_code, party_id),
            to_ref=self.to_ref,
            method=method,
            uid=token_uid,
            query_type=token_type_param(request.query_params.get("type")),
            data=request.data,
            body=body,
            correlation_id=request._request.ocpi_correlation_id,
            validation=self.validation,
        )
        return ocpi_response(http_status=201 if created else 200)


class TokenListView(FunctionalView):
    """GET All via the hub: for a CPO the Tokens of every eMSP shared with it; for an eMSP its
    own. With OCPI-to naming an eMSP it is a direct request, forwarded to that eMSP."""

    @get_list(
        "tokens_sender_list",
        "For a CPO the Tokens of every eMSP, for an eMSP its own (paginated)",
        TokenSerializer,
    )
    def get(self, request):
        if self.to_ref is not None:  # a direct request: the eMSP's own answer
            return forward_get(
                request,
                sender=self.sender_party(),
                to_ref=self.to_ref,
                roles=TOKEN_OWNERS,
                module="tokens",
            )
        parties = self.requesting_parties()
        tokens = Token.objects.visible_to(parties).filter(readable_owners(parties, "tokens"))
        tokens = tokens.only("pk", "document")
        return paginated_response(request, tokens, lambda token: token.document)


class TokenAuthorizeView(FunctionalView):
    """`{token_uid}/authorize[?type=]`: a CPO's real-time authorization, relayed synchronously
    to the eMSP owning the Token (OCPI-to, else the store) and its answer relayed unchanged."""

    rate_limit_scope = REALTIME
    sender_roles = (Role.CPO,)

    @extend_schema(
        operation_id="tokens_sender_authorize",
        summary="Real-time authorization, relayed to the Token's eMSP and answered unchanged",
        parameters=[TOKEN_TYPE_QUERY],
        request=LocationReferencesSerializer,
        responses=data_envelope(AuthorizationInfoSerializer),
    )
    def post(self, request, token_uid):
        body = request._request.body or None  # forwarded unchanged
        token_type = token_type_param(request.query_params.get("type")) or DEFAULT_TYPE
        cpo = self.sender_party()
        if body is not None and request.data is not None:
            validate_location_references(request.data)
        if self.to_ref is not None:
            receiver = find_receiver(self.to_ref, TOKEN_OWNERS, cpo)
        else:
            receiver = token_owner(token_uid, token_type)
        return forward(
            request,
            sender=cpo,
            receiver=receiver,
            module="tokens",
            interface="SENDER",
            method="POST",
            segments=(token_uid, "authorize"),
            # `token_type` too: some eMSP libraries read that name instead of the spec's `type`.
            params={"type": token_type, "token_type": token_type},
            body=body,
            timeout=settings.OCPI_AUTHORIZE_TIMEOUT,
            kind="authorize",
        )
