"""Bulk-store Locations (and baseline documents) for the pull workload, as if pushed earlier."""

import json

from django.db import transaction

from bench.baseline.models import BaselineDocument
from bench.load import location
from hub.types import parse_datetime
from locations.models import Location

BATCH = 2_000


@transaction.atomic
def seed_locations(total: int) -> None:
    """Exactly `total` stored Locations in the hub and in the baseline table."""
    Location.objects.all().delete()
    BaselineDocument.objects.all().delete()
    for start in range(0, total, BATCH):
        documents = [location(f"W3-{index}") for index in range(start, min(total, start + BATCH))]
        Location.objects.bulk_create(
            Location(
                country_code="NL",
                party_id="CPO",
                location_id=document["id"].upper(),
                document=document,
                last_updated_at=parse_datetime(document["last_updated"]),
                city=document["city"],
                broadcast=True,  # as pushed without OCPI-to: every eMSP may pull it
            )
            for document in documents
        )
        BaselineDocument.objects.bulk_create(
            BaselineDocument(
                key=f"NL/CPO/{document['id']}", document=json.loads(json.dumps(document))
            )
            for document in documents
        )
