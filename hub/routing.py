"""OCPI message routing headers (transport_and_format: Message Routing)."""

from dataclasses import dataclass

from hub.exceptions import invalid
from hub.types import PRINTABLE_ASCII


@dataclass(frozen=True)
class PartyRef:
    """A party address: CiString country_code and party_id, kept upper-case."""

    country_code: str
    party_id: str

    def __str__(self) -> str:
        return f"{self.country_code}*{self.party_id}"


def _ref(headers, direction: str) -> PartyRef | None:
    country_name = f"OCPI-{direction}-country-code"
    party_name = f"OCPI-{direction}-party-id"
    country_code = (headers.get(country_name) or "").strip()
    party_id = (headers.get(party_name) or "").strip()
    if not country_code and not party_id:
        return None
    if not country_code or not party_id:
        missing = country_name if not country_code else party_name
        raise invalid(f"{missing}: required together with its pair")
    for name, value, length in ((country_name, country_code, 2), (party_name, party_id, 3)):
        if len(value) > length or not PRINTABLE_ASCII.fullmatch(value):
            raise invalid(f"{name}: expected a CiString of at most {length} characters")
    return PartyRef(country_code.upper(), party_id.upper())


def parse_routing_headers(headers) -> tuple[PartyRef | None, PartyRef | None]:
    """(from, to) of a functional-module request; None where the headers are absent."""
    return _ref(headers, "from"), _ref(headers, "to")


def routing_headers(to: PartyRef | None, sender: PartyRef | None) -> dict[str, str]:
    """Headers for an outbound functional-module request."""
    headers = {}
    if to is not None:
        headers["OCPI-to-country-code"] = to.country_code
        headers["OCPI-to-party-id"] = to.party_id
    if sender is not None:
        headers["OCPI-from-country-code"] = sender.country_code
        headers["OCPI-from-party-id"] = sender.party_id
    return headers
