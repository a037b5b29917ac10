"""Use cases of the tariffs module; each owns its transaction."""

from django.db import transaction

from hub import delivery
from hub.exceptions import invalid, not_found
from hub.policy import STRICT, Validation
from hub.routing import PartyRef
from hub.sharing import share
from hub.types import parse_datetime
from parties.models import Party
from tariffs.models import Tariff
from tariffs.serializers import validate_tariff

MODULE = "tariffs"


def put_tariff(
    *,
    owner: Party,
    to_ref: PartyRef | None,
    tariff_id: str,
    data,
    body: bytes,
    correlation_id: str = "",
    validation: Validation = STRICT,
) -> bool:
    """Validate and store a CPO's Tariff and queue its delivery; True when it is new."""
    if not isinstance(data, dict):
        raise invalid("body: expected a JSON object (Tariff)")
    targets = delivery.receivers(MODULE, owner, to_ref)  # 4001 before anything is stored
    _check_ids(owner, tariff_id, data)
    validate_tariff(data, validation)
    with transaction.atomic():
        tariff, created = Tariff.objects.update_or_create(
            country_code=owner.country_code,
            party_id=owner.party_id,
            tariff_id=tariff_id.upper(),
            defaults={
                "document": data,
                "last_updated_at": parse_datetime(data["last_updated"]),
                "currency": data["currency"],
            },
        )
        share(tariff, to_ref)
        _enqueue("PUT", owner, to_ref, tariff_id, body, targets, correlation_id)
    return created


def delete_tariff(
    *, owner: Party, to_ref: PartyRef | None, tariff_id: str, correlation_id: str = ""
) -> None:
    """Remove a CPO's stored Tariff and queue the DELETE; it supersedes pending PUTs."""
    targets = delivery.receivers(MODULE, owner, to_ref)
    with transaction.atomic():
        deleted, _ = (
            Tariff.objects.owned_by(*owner.ref).filter(tariff_id=tariff_id.upper()).delete()
        )
        if not deleted:  # 404 + 2001, as for a PATCH of an object the hub never stored
            raise invalid(f"Unknown Tariff {tariff_id}", http_status=404)
        _enqueue("DELETE", owner, to_ref, tariff_id, b"", targets, correlation_id)


def _enqueue(method, owner, to_ref, tariff_id, body, targets, correlation_id) -> None:
    delivery.enqueue(
        module=MODULE,
        method=method,
        owner=PartyRef(*owner.ref),
        object_id=tariff_id,
        segments=[tariff_id],
        body=body,
        sender=owner,
        receivers=targets,
        correlation_id=correlation_id,
        broadcast=delivery.is_broadcast(to_ref),
    )


def _check_ids(owner: Party, tariff_id: str, data: dict) -> None:
    for field, value in (
        ("id", tariff_id.upper()),
        ("country_code", owner.country_code),
        ("party_id", owner.party_id),
    ):
        if str(data.get(field, "")).upper() != value:
            raise invalid(f"{field}: {data.get(field)!r} does not match {value!r} in the URL")


def find_tariff(owner: Party, tariff_id: str) -> Tariff:
    tariff = Tariff.objects.owned_by(*owner.ref).filter(tariff_id=tariff_id.upper()).first()
    if tariff is None:
        raise not_found(f"Unknown Tariff {tariff_id}")
    return tariff


# (None once deleted: a re-delivered DELETE then goes out as the DELETE.)
delivery.stored_document_as_put(MODULE, Tariff, lambda message: {"tariff_id": message.object_id})
