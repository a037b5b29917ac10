"""Use cases of the locations module; each owns its transaction."""

from dataclasses import dataclass

from django.db import connection, transaction

from hub import delivery, sql, status
from hub.exceptions import OCPIError, invalid, not_found
from hub.models import retry_on_conflict
from hub.policy import STRICT, Validation
from hub.routing import PartyRef
from hub.sharing import is_broadcast, share
from hub.types import parse_datetime
from locations.models import Location
from locations.serializers import ID_FIELDS, validate_object
from parties.models import Party, joined_rows, table

MODULE = "locations"
# PostgreSQL: a broadcast push writes without locking first (an upsert, or an update made only
# if the row is the version read, by its xmin); elsewhere it reads the row locked.
UNLOCKED_WRITES = connection.vendor == "postgresql"
UNLOCKED_ATTEMPTS = 3  # then the locked way, which always succeeds
KINDS = {1: "Location", 2: "EVSE", 3: "Connector"}


def find_part(items, key: str, value: str) -> dict | None:
    """The EVSE (by uid) or Connector (by id) with this CiString identifier."""
    for item in items or ():
        if isinstance(item, dict) and str(item.get(key, "")).upper() == value.upper():
            return item
    return None


def resolve(document: dict, segments: list[str]) -> dict | None:
    """The Location, EVSE or Connector at `segments` ([location_id, evse_uid, connector_id])."""
    found = document
    for depth, segment in enumerate(segments[1:], start=2):
        children = found.get("evses") if depth == 2 else found.get("connectors")
        found = find_part(children, ID_FIELDS[depth], segment)
        if found is None:
            return None
    return found


@dataclass(frozen=True)
class Push:
    """A CPO's PUT or PATCH of a Location, EVSE or Connector, checked, and who receives it."""

    owner: Party
    to_ref: PartyRef | None
    method: str
    segments: list[str]
    data: dict
    body: bytes
    receivers: delivery.Audience
    correlation_id: str
    validation: Validation

    @property
    def broadcast(self) -> bool:
        return is_broadcast(self.to_ref)

    def store(self, location: Location, **write) -> None:
        """Write the stored Location with this push's Message and Deliveries, in one
        statement (`write`: how the Location is written, see `delivery.enqueue`)."""
        delivery.enqueue(
            module=MODULE,
            method=self.method,
            owner=PartyRef(*self.owner.ref),
            object_id=self.segments[0],
            segments=self.segments,
            body=self.body,
            sender=self.owner,
            receivers=self.receivers,
            correlation_id=self.correlation_id,
            broadcast=self.broadcast,
            stored=location,
            **write,
        )


@retry_on_conflict
def push_location(
    *,
    owner: Party,
    to_ref: PartyRef | None,
    method: str,
    segments: list[str],
    data,
    body: bytes,
    correlation_id: str = "",
    validation: Validation = STRICT,
) -> bool:
    """Validate and store a CPO's PUT or PATCH of a Location, EVSE or Connector, and queue
    its delivery to the receivers. Returns True when a PUT created the object."""
    depth = len(segments)
    kind = KINDS[depth]
    if not isinstance(data, dict):
        raise invalid(f"body: expected a JSON object ({kind})")
    targets = delivery.audience(MODULE, owner, to_ref)  # 4001 before anything is stored
    _check_ids(owner, segments, data, method)
    if method == "PUT":
        validate_object(depth, data, validation)
    push = Push(owner, to_ref, method, segments, data, body, targets, correlation_id, validation)
    if push.broadcast and UNLOCKED_WRITES:
        if depth == 1 and method == "PUT":
            return _put_whole(push)
        for _ in range(UNLOCKED_ATTEMPTS):
            try:
                return _apply_and_store(push, locked=False)
            except sql.Changed:
                continue  # another push of this Location came between: read it again
    with transaction.atomic():
        return _apply_and_store(push, locked=True)


def _apply_and_store(push: Push, locked: bool) -> bool:
    """Read the stored Location, apply the push to it, and write it with its Message and
    Deliveries in one statement. `locked`: the read locks the row until the caller's
    transaction ends; otherwise the write is made only if the row is still the version read
    (`sql.Changed` if not), which orders concurrent pushes of one Location just the same."""
    location, version = _stored(push.owner, push.segments[0], lock=locked)
    location, created = _apply(location, push)
    push.store(location, unchanged_since=None if locked else version)
    share(location, push.to_ref)
    return created


def _put_whole(push: Push) -> bool:
    """A whole Location for everyone replaces the stored one whatever it held: written with its
    Message and Deliveries by one statement, an upsert, without reading it first (nor a
    transaction around it). The upsert's row lock orders concurrent writes of one Location and
    their Messages alike. Returns True when it created the Location."""
    location = _new(push)
    push.store(location, upsert_on=("country_code", "party_id", "location_id"))
    return location.inserted


def _stored(owner: Party, location_id: str, lock: bool) -> tuple[Location | None, str | None]:
    """The owner's stored Location, its row locked until the transaction ends if `lock`, else
    with its row version (PostgreSQL's xmin) for a write made only if it is unchanged."""
    lock_sql = " FOR UPDATE" if lock and connection.features.has_select_for_update else ""
    rows = joined_rows(
        Location.objects.db,
        (Location,),
        f"FROM {table(Location)} t0"
        f" WHERE t0.country_code = %s AND t0.party_id = %s AND t0.location_id = %s{lock_sql}",
        [owner.country_code, owner.party_id, location_id.upper()],
        extra="" if lock else ", t0.xmin::text",
    )
    if not rows:
        return None, None
    return rows[0][0], (None if lock else rows[0][1])


def _check_ids(owner: Party, segments: list[str], data: dict, method: str) -> None:
    depth = len(segments)
    id_field = ID_FIELDS[depth]
    url_id = segments[-1]
    body_id = str(data.get(id_field, ""))
    if (method == "PUT" or id_field in data) and body_id.upper() != url_id.upper():
        raise invalid(f"{id_field}: {data.get(id_field)!r} does not match {url_id!r} in the URL")
    if depth == 1:
        for field, value in (("country_code", owner.country_code), ("party_id", owner.party_id)):
            if (method == "PUT" or field in data) and str(data.get(field, "")).upper() != value:
                raise invalid(f"{field}: {data.get(field)!r} does not match {value!r} in the URL")
    if method == "PATCH" and "last_updated" not in data:
        raise invalid("last_updated: required in every PATCH")


def _new(push: Push) -> Location:
    """The Location a PUT of a whole one creates (or, upserted, replaces)."""
    owner = push.owner
    location = Location(
        country_code=owner.country_code,
        party_id=owner.party_id,
        location_id=push.segments[0].upper(),
    )
    # A broadcast shares the Location with everyone: written with the rest of it.
    _save(location, push.data, push.broadcast)
    return location


def _apply(location: Location | None, push: Push) -> tuple[Location, bool]:
    """The stored Location with the push applied, and whether the push created it."""
    segments, method, data = push.segments, push.method, push.data
    depth = len(segments)
    kind = KINDS[depth]
    if location is None:
        if method == "PATCH":
            raise OCPIError(
                status.INVALID_OR_MISSING_PARAMETERS,
                f"Unknown Location {segments[0]}",
                http_status=404,
            )
        if depth > 1:
            raise invalid(f"Unknown Location {segments[0]}: PUT the Location first")
        return _new(push), True

    document = location.document
    parent = resolve(document, segments[:-1])
    if parent is None:  # the EVSE of a Connector
        raise _unknown(method, f"Unknown EVSE {segments[1]} in Location {segments[0]}")
    current = parent if depth == 1 else resolve(document, segments)
    if current is None and method == "PATCH":
        raise _unknown(method, f"Unknown {kind} {segments[-1]}")
    new = data if method == "PUT" else _merged(depth, current, data, push.validation)
    if depth == 1:
        document = new
    else:
        children_key = "evses" if depth == 2 else "connectors"
        children = [child for child in parent.get(children_key) or [] if child is not current]
        position = (parent.get(children_key) or []).index(current) if current else len(children)
        children.insert(position, new)
        parent[children_key] = children
        # Spec: a pushed EVSE/Connector's last_updated is also set on its parents (copied).
        parent["last_updated"] = data["last_updated"]
        document["last_updated"] = data["last_updated"]
    _save(location, document, push.broadcast)
    return location, current is None


def _merged(depth: int, current: dict, patch: dict, validation: Validation) -> dict:
    """A PATCH replaces the fields it names; the result must be a valid object."""
    merged = {**current, **patch}
    validate_object(depth, merged, validation)
    return merged


def _unknown(method: str, message: str) -> OCPIError:
    # A PATCH of an object the hub never stored: 404 + 2001, and nothing is pushed on (the spec
    # only says the client should do a PUT instead: transport_and_format, Client Owned Object Push).
    if method == "PATCH":
        return OCPIError(status.INVALID_OR_MISSING_PARAMETERS, message, http_status=404)
    return invalid(message)


def _save(location: Location, document: dict, broadcast: bool) -> None:
    """Set the stored copy's columns; `delivery.enqueue` writes them."""
    location.document = document
    location.broadcast = location.broadcast or broadcast
    location.last_updated_at = parse_datetime(document["last_updated"])
    location.city = str(document.get("city") or "")[:45]
    location.evse_statuses = " ".join(
        f"{evse.get('uid')}:{evse.get('status')}" for evse in document.get("evses") or []
    )


def find_location(location_id: str, owner: PartyRef | None, among=None) -> Location:
    """A stored Location by id, of `owner` or of the only CPO having that id (open routing),
    looked for `among` these Locations (default: all)."""
    among = Location.objects.all() if among is None else among
    locations = among.filter(location_id=location_id.upper())
    if owner is not None:
        locations = locations.filter(country_code=owner.country_code, party_id=owner.party_id)
    found = list(locations[:2])
    if not found:
        raise not_found(f"Unknown Location {location_id}", status.UNKNOWN_LOCATION)
    if len(found) > 1:
        raise invalid(
            f"Location {location_id} exists at several CPOs: name one with OCPI-to-country-code "
            "and OCPI-to-party-id"
        )
    return found[0]


delivery.stored_document_as_put(
    MODULE, Location, lambda message: {"location_id": message.object_id}
)
