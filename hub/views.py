"""Base views: configuration modules (no routing) and functional modules (routed)."""

from django.conf import settings
from rest_framework.views import APIView

from hub.authentication import IsRegisteredPlatform
from hub.exceptions import OCPIError, invalid, not_found
from hub.policy import Validation
from hub.routing import PartyRef, parse_routing_headers, routing_headers
from parties.actions import change_status
from parties.models import ConnectionStatus, Party, Platform


def hub_party_ref() -> PartyRef:
    return PartyRef(settings.HUB_COUNTRY_CODE, settings.HUB_PARTY_ID)


class OCPIView(APIView):
    """A configuration module view (versions, credentials, hubclientinfo): no routing headers."""

    permission_classes = [IsRegisteredPlatform]

    @property
    def platform(self):
        return self.request.user


class FunctionalView(OCPIView):
    """A functional module view: routing headers parsed and the sending party checked.

    `sender_roles` lists the roles that may call this interface (e.g. CPO for the locations
    receiver). The OCPI-from party must be one of the caller's platform's parties; without the
    headers, a platform hosting one party is taken to speak for it.
    """

    sender_roles: tuple[str, ...] | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.platform.status == ConnectionStatus.OFFLINE:
            # It is evidently back: CONNECTED (and announced) now, not at the next
            # still-alive round. Credentials PUT does the same on its own.
            change_status(self.platform, ConnectionStatus.CONNECTED, [ConnectionStatus.OFFLINE])
        self.from_ref, to_ref = parse_routing_headers(request.headers)
        self.to_hub = to_ref == hub_party_ref()
        self.to_ref = None if self.to_hub else to_ref
        if (
            self.from_ref is not None
            and self.platform.find_party(
                self.from_ref.country_code, self.from_ref.party_id, self.sender_roles
            )
            is None
        ):
            raise OCPIError(
                2001,
                f"OCPI-from {self.from_ref} is not a party of the calling platform"
                + (f" with role {'/'.join(self.sender_roles)}" if self.sender_roles else ""),
                http_status=403,
            )

    @property
    def validation(self) -> Validation:
        """The calling platform's validation policy for this request's objects."""
        return Validation(self.platform, self.request.ocpi_request_id)

    def finalize_response(self, request, response, *args, **kwargs):
        """The hub's own answers carry OCPI-to = the requester and OCPI-from = the hub (spec:
        routing headers on every functional response); relayed answers keep the receiver's."""
        response = super().finalize_response(request, response, *args, **kwargs)
        requester = getattr(self, "from_ref", None) or self._sole_party_ref(request)
        if requester is not None and "OCPI-from-party-id" not in response:
            for name, value in routing_headers(to=requester, sender=hub_party_ref()).items():
                response[name] = value
        return response

    def _sole_party_ref(self, request) -> PartyRef | None:
        if not isinstance(request.user, Platform):  # not authenticated
            return None
        refs = {party.ref for party in request.user.party_list()}
        return PartyRef(*refs.pop()) if len(refs) == 1 else None

    def requesting_parties(self) -> list[Party]:
        """The OCPI-from party, or without it every party of the calling platform."""
        return [self.sender_party()] if self.from_ref is not None else self.platform.party_list()

    def sender_party(self, owner: PartyRef | None = None) -> Party:
        """The party this request speaks for.

        From the OCPI-from headers; else the owner named in the object URL; else the
        platform's only party of an allowed role.
        """
        ref = self.from_ref or owner
        if ref is not None:
            party = self.platform.find_party(ref.country_code, ref.party_id, self.sender_roles)
            if party is None:
                raise not_found(f"{ref} is not a party of the calling platform")
            return party
        parties = [
            party
            for party in self.platform.party_list()
            if self.sender_roles is None or party.role in self.sender_roles
        ]
        if len(parties) != 1:
            raise invalid(
                "OCPI-from-country-code/OCPI-from-party-id: required, the platform "
                "hosts several parties"
            )
        return parties[0]

    def owned_object(self, country_code: str, party_id: str) -> Party:
        """The sender's party owning a client-owned object URL; 404 when it is not the caller's.

        Spec (Client Owned Object Push, Errors): a URL party outside the sender's roles may be
        answered with 404; nothing is stored.
        """
        owner = PartyRef(country_code.upper(), party_id.upper())
        party = self.sender_party(owner)
        if party.ref != (owner.country_code, owner.party_id):
            raise not_found(f"{owner} in the URL is not the sending party {party}")
        return party


def not_found_view(request, exception=None):
    """Unknown URLs answer in the OCPI envelope (HTTP 404)."""
    from django.http import JsonResponse

    from hub import status
    from hub.responses import envelope

    response = JsonResponse(
        envelope(None, status.CLIENT_ERROR, f"No such endpoint: {request.path}"), status=404
    )
    response.ocpi_status_code = status.CLIENT_ERROR  # counted by the request metrics
    return response
