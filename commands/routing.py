"""Which CPO a command or charging-profile request goes to, and who gets a CPO's profile update.

The OCPI-to headers name the receiver when present. Without them (or with OCPI-to = the hub:
transport_and_format, Message Routing, open routing) the hub routes by content:
- CANCEL_RESERVATION: the CPO of the requester's RESERVE_NOW with that reservation_id;
- START_SESSION, RESERVE_NOW, UNLOCK_CONNECTOR: the owner of `location_id` (Locations store);
- STOP_SESSION and charging profiles: the owner of `session_id` (Sessions store), also when
  OCPI-to is given: a session is only reachable by the party it was routed to.

`location_owner` and `session_owner` are the only places that read the stores. An unknown
Location is answered with 2003 (Unknown Location); an unknown session with 2001.
"""

from hub import status
from hub.exceptions import OCPIError, invalid
from hub.proxy import find_receiver
from hub.routing import PartyRef
from locations.models import Location
from parties.models import Party, Role
from sessions.models import Session

from .models import Command


def location_owner(location_id: str) -> Party | None:
    """The CPO owning this Location in the hub's store; 2001 when several CPOs use the id."""
    owners = set(
        Location.objects.filter(location_id=location_id.upper())
        .values_list("country_code", "party_id")
        .distinct()[:2]
    )
    if len(owners) > 1:
        raise invalid(
            f"location_id: {location_id} is used by several CPOs; name one with the OCPI-to headers"
        )
    if not owners:
        return None
    ((country_code, party_id),) = owners
    return Party.objects.by_id(country_code, party_id).filter(role=Role.CPO).first()


def session_owner(session_id: str, requester: Party, cpo: Party | None = None) -> Party | None:
    """The CPO (`cpo`, when named) of the stored Session with this id routed to `requester`.

    Only the requester's own sessions count: an eMSP cannot address another eMSP's session.
    """
    sessions = Session.objects.filter(
        session_id=session_id.upper(),
        emsp_country_code=requester.country_code,
        emsp_party_id=requester.party_id,
    )
    if cpo is not None:
        sessions = sessions.owned_by(*cpo.ref)
    owners = set(sessions.values_list("country_code", "party_id").distinct()[:2])
    if len(owners) > 1:
        raise invalid(
            f"session_id: {session_id} is used by several CPOs; name one with the OCPI-to headers"
        )
    if not owners:
        return None
    ((country_code, party_id),) = owners
    return Party.objects.by_id(country_code, party_id).filter(role=Role.CPO).first()


def resolve_cpo(sender: Party, command: str, body: dict, to_ref: PartyRef | None) -> Party:
    """The CPO a command goes to: 4001 for an unknown OCPI-to, 2001 when it cannot be found."""
    if command == "STOP_SESSION":
        return session_cpo(body["session_id"], to_ref, sender)
    if to_ref is not None:
        return find_receiver(to_ref, (Role.CPO,))
    if command == "CANCEL_RESERVATION":
        reservation = Command.objects.reservation(sender, body["reservation_id"])
        if reservation is None:
            raise invalid(
                f"reservation_id: no RESERVE_NOW with reservation_id {body['reservation_id']} "
                f"from {sender.country_code}*{sender.party_id} is known to the hub; "
                "name the CPO with the OCPI-to headers"
            )
        return reservation.cpo
    owner = location_owner(body["location_id"])
    if owner is None:
        # Spec (mod_commands, UNLOCK flow): an unknown Location is answered with 2003.
        raise OCPIError(
            status.UNKNOWN_LOCATION,
            f"Unknown location {body['location_id']}: not known to the hub; "
            "name the CPO with the OCPI-to headers",
        )
    return owner


def session_cpo(session_id: str, to_ref: PartyRef | None, requester: Party) -> Party:
    """The CPO of one of the requester's sessions (STOP_SESSION, charging profiles).

    OCPI-to only chooses among CPOs using the same session id: it never reaches a session the
    hub did not route to the requester (4001 for an unknown OCPI-to, 2001 otherwise).
    """
    named = find_receiver(to_ref, (Role.CPO,)) if to_ref is not None else None
    owner = session_owner(session_id, requester, named)
    if owner is None:
        where = f" at {named.country_code}*{named.party_id}" if named else ""
        hint = "" if named else "; name the CPO with the OCPI-to headers"
        raise invalid(
            f"session_id: session {session_id} of {requester}{where} is not known to the hub" + hint
        )
    return owner


PROFILE_SENDER_ROLES = (Role.EMSP, Role.SCSP)


def profile_receiver(cpo: Party, session_id: str, to_ref: PartyRef | None) -> Party:
    """Who gets a CPO's ActiveChargingProfile update: OCPI-to, else the last profile setter."""
    if to_ref is not None:
        return find_receiver(to_ref, PROFILE_SENDER_ROLES)
    setter = Command.objects.last_profile_setter(cpo, session_id)
    if setter is None:
        raise invalid(
            f"OCPI-to headers required: no party has set a charging profile on session "
            f"{session_id} of {cpo.country_code}*{cpo.party_id} through the hub"
        )
    return setter
