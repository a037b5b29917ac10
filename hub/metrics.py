"""Prometheus metrics (docs/operations.md lists them with sample alerts).

Counters and histograms are counted where things happen, in every web and worker process; the
client library's multiprocess mode writes them to files in PROMETHEUS_MULTIPROC_DIR (set by
the settings before this module is imported) and `/metrics` adds the files up. Backlog, lag,
parked deliveries and platforms are read from the database when scraped, so they are the same
whichever process answers and whatever process died.
"""

import hmac
import ipaddress
import logging

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min
from django.http import HttpResponse, HttpResponseForbidden
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUESTS = Counter(
    "ocpi_hub_requests",
    "OCPI requests answered, by the hub's interface (module and role), method and OCPI status",
    ["module", "interface", "method", "ocpi_status", "http_status"],
)
PUSHES = Counter("ocpi_hub_pushes_accepted", "Pushes accepted and stored, by module", ["module"])
DELIVERIES = Counter(
    "ocpi_hub_deliveries",
    "Delivery attempts by receiver, module and outcome (delivered, retry, unreachable, "
    "rejected, failed, parked)",
    ["receiver", "module", "outcome"],
)
ATTEMPT_SECONDS = Histogram(
    "ocpi_hub_delivery_attempt_seconds",
    "Duration of each push sent to a receiver",
    ["receiver"],
    buckets=LATENCY_BUCKETS,
)
FORWARD_SECONDS = Histogram(
    "ocpi_hub_forward_seconds",
    "Requests forwarded synchronously (authorize, command, command_result, ...) by outcome: "
    "ok, rejected, timeout, unreachable, error",
    ["kind", "outcome"],
    buckets=LATENCY_BUCKETS,
)


def count_push(module: str) -> None:
    PUSHES.labels(module).inc()


_receiver_labels: dict[int, str] = {}


def receiver_label(receiver_id: int) -> str:
    """`NL*CPO:CPO` for a party id (remembered per process: parties are never renamed)."""
    label = _receiver_labels.get(receiver_id)
    if label is None:
        from parties.models import Party

        party = Party.objects.filter(pk=receiver_id).values_list("country_code", "party_id", "role")
        row = party.first()
        label = f"{row[0]}*{row[1]}:{row[2]}" if row else str(receiver_id)
        _receiver_labels[receiver_id] = label
    return label


def count_outcomes(outcomes) -> None:
    """Count a batch of delivery outcomes (`hub.delivery.Outcome`) and time their attempts."""
    for outcome in outcomes:
        receiver = receiver_label(outcome.delivery.receiver_id)
        DELIVERIES.labels(receiver, outcome.delivery.message.module, outcome.name).inc()
        if outcome.attempt is not None:
            ATTEMPT_SECONDS.labels(receiver).observe(outcome.attempt.duration_ms / 1000)


def observe_forward(kind: str, reply) -> None:
    """Time and classify one synchronously forwarded request (`hub.client.Reply`)."""
    if reply.ok:
        outcome = "ok"
    elif reply.timed_out:
        outcome = "timeout"
    elif reply.connection_failed:
        outcome = "unreachable"
    elif reply.retryable:
        outcome = "error"
    else:
        outcome = "rejected"
    FORWARD_SECONDS.labels(kind, outcome).observe(reply.duration_ms / 1000)


class DatabaseCollector:
    """Gauges read from the database at scrape time: a few aggregate queries. When the
    database does not answer, they are left out (the process counters are still served) and
    `ocpi_hub_database_up` is 0."""

    def collect(self):
        up = GaugeMetricFamily(
            "ocpi_hub_database_up", "1 when the database answered this scrape's queries"
        )
        try:
            gauges = list(self.read())
        except DatabaseError as error:
            logger.warning("metrics: database gauges left out (%s)", type(error).__name__)
            gauges = []
        up.add_metric([], 1 if gauges else 0)
        yield up
        yield from gauges

    def read(self):
        from hub.models import Delivery
        from parties.models import Party, Platform

        now = timezone.now()
        backlog = GaugeMetricFamily(
            "ocpi_hub_delivery_backlog",
            "Deliveries waiting to be sent, per receiver",
            labels=["receiver"],
        )
        lag = GaugeMetricFamily(
            "ocpi_hub_delivery_lag_seconds",
            "Age of the oldest delivery still waiting, per receiver (0: none waiting)",
            labels=["receiver"],
        )
        pending = {
            row["receiver_id"]: row
            for row in Delivery.objects.pending()
            .values("receiver_id")
            .annotate(count=Count("pk"), oldest=Min("created_at"))
            .order_by()
        }
        parties = Party.objects.values_list("pk", "country_code", "party_id", "role").order_by()
        for party_id, country_code, code, role in parties:
            label = f"{country_code}*{code}:{role}"
            row = pending.get(party_id)
            backlog.add_metric([label], row["count"] if row else 0)
            lag.add_metric([label], (now - row["oldest"]).total_seconds() if row else 0)
        yield backlog
        yield lag

        parked = GaugeMetricFamily(
            "ocpi_hub_parked_deliveries",
            "Deliveries of billing data (CDRs, sessions) that ran out of retries and wait for "
            "an admin to deliver them again, per module",
            labels=["module"],
        )
        counts = dict(
            Delivery.objects.filter(status=Delivery.Status.PARKED)
            .values_list("message__module")
            .annotate(Count("pk"))
            .order_by()
        )
        for module in sorted({"cdrs", "sessions", *counts}):
            parked.add_metric([module], counts.get(module, 0))
        yield parked

        platforms = GaugeMetricFamily(
            "ocpi_hub_platforms", "Platforms by connection status", labels=["status"]
        )
        by_status = dict(Platform.objects.values_list("status").annotate(Count("pk")).order_by())
        for status in Platform._meta.get_field("status").choices:
            platforms.add_metric([status[0]], by_status.get(status[0], 0))
        yield platforms


def exposition() -> bytes:
    """The text every process counted so far, plus the database gauges."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(DatabaseCollector())
    return generate_latest(registry)


def scrape_allowed(request) -> bool:
    """HUB_METRICS_TOKEN as a bearer token, or a call from HUB_METRICS_ALLOWED_IPS."""
    token = settings.HUB_METRICS_TOKEN
    if token:
        presented = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if hmac.compare_digest(presented.encode(), token.encode()):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.HUB_METRICS_ALLOWED_NETWORKS)


def metrics_view(request):
    if not scrape_allowed(request):
        return HttpResponseForbidden("metrics: not allowed from here\n")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
