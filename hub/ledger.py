"""The deviation ledger: spec violations a platform sends or answers, counted per kind."""

import re

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from hub.types import parse_datetime
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


def answer_deviations(reply) -> list[tuple[str, str]]:
    """What breaks transport_and_format, Response format in a party's answer: every answer is
    a JSON object with an integer `status_code` and the `timestamp` (DateTime) it was made."""
    if reply.http_status is None or reply.error:
        return []  # no answer to judge: a timeout or a refused read is not the party's format
    body = reply.body
    if not isinstance(body, dict) or type(body.get("status_code")) is not int:
        what = "not JSON" if body is None else "JSON without an integer status_code"
        return [
            ("(response body)", f"Must be an OCPI envelope; got HTTP {reply.http_status}, {what}")
        ]
    try:
        parse_datetime(body.get("timestamp"))
    except ValueError:
        return [
            ("timestamp", "Required in every answer: a DateTime (UTC, e.g. 2024-01-31T12:00:00Z)")
        ]
    return []


def record_answer(platform: Platform, module: str, reply, request_id: str = "") -> None:
    """Count what is wrong with a platform's answer to the hub, if anything."""
    deviations = answer_deviations(reply)
    if deviations:
        record(platform, module, Deviation.Direction.ANSWERED, deviations, request_id)


def record_forwarded_answer(platform: Platform, reply, request=None) -> None:
    """A forwarded request's answer, by the module of the request it answers."""
    module = ""
    if request is not None:
        match = re.search(r"/ocpi/[^/]+/(?:sender/|receiver/)?([a-z]+)", request.path_info)
        module = match.group(1) if match else ""
    record_answer(platform, module, reply, getattr(request, "ocpi_request_id", ""))
