"""The deviation ledger: spec violations a platform sends or answers, counted per kind."""

import re

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from parties.models import Deviation, Platform

ANY_INDEX = re.compile(r"\[\d+\]")


def ledger_path(path: str) -> str:
    """`evses[3].uid` -> `evses[].uid`: one ledger row whichever element broke the rule."""
    return ANY_INDEX.sub("[]", path)


def record(
    platform: Platform,
    module: str,
    direction: str,
    deviations: list[tuple[str, str]],
    request_id: str = "",
) -> None:
    """Count each (field, rule) in the platform's ledger (one row per kind of deviation)."""
    now = timezone.now()
    for field, rule in dict.fromkeys((ledger_path(f)[:200], r[:300]) for f, r in deviations):
        row = Deviation.objects.filter(
            platform=platform, module=module, direction=direction, field=field, rule=rule
        )
        if row.update(count=F("count") + 1, last_seen=now):
            continue
        try:
            with transaction.atomic():
                Deviation.objects.create(
                    platform=platform,
                    module=module,
                    direction=direction,
                    field=field,
                    rule=rule,
                    first_seen=now,
                    last_seen=now,
                    example_request_id=request_id[:100],
                )
        except IntegrityError:  # another request recorded it first
            row.update(count=F("count") + 1, last_seen=now)


def record_bad_answer(platform: Platform, reply, request=None) -> None:
    """A forwarded request's answer that is not an OCPI envelope."""
    module = ""
    if request is not None:
        match = re.search(r"/ocpi/[^/]+/(?:sender/|receiver/)?([a-z]+)", request.path_info)
        module = match.group(1) if match else ""
    what = "not JSON" if reply.body is None else "JSON without an integer status_code"
    rule = f"Must be an OCPI envelope; got HTTP {reply.http_status}, {what}"
    record(
        platform,
        module,
        Deviation.Direction.ANSWERED,
        [("(response body)", rule)],
        getattr(request, "ocpi_request_id", ""),
    )
