"""/metrics: Prometheus text that the client library parses, counted across processes."""

import ipaddress

import pytest
from django.db import connections
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from hub.models import Delivery
from tests.conftest import create_platform, ocpi_client
from tests.integration.test_location_delivery import FAST, PATH, RAW_PATCH, RAW_PUT, wait_until
from tests.operations.conftest import make_delivery


def scrape(client: Client | None = None, **headers) -> dict:
    """{(name, labels as sorted tuple): value} of every sample."""
    response = (client or Client()).get("/metrics", **headers)
    assert response.status_code == 200, response.content
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    return sum(
        v
        for (n, sample_labels), v in samples.items()
        if n == name and labels.items() <= dict(sample_labels).items()
    )


@pytest.mark.integration
def test_pushes_delivered_by_a_worker_show_in_the_counters(celery_worker_process, party_server):
    receiver = party_server()
    create_platform(
        "eMSP",
        [("DE", "MSP", "EMSP")],
        endpoints={("locations", "RECEIVER"): f"{receiver.url}{PATH}/"},
    )
    _, token = create_platform("CPO", [("NL", "CPO", "CPO")])
    cpo = ocpi_client(token)
    before = scrape()
    celery_worker_process(extra_env=FAST)

    cpo.put("/ocpi/2.2.1/receiver/locations/NL/CPO/LOC1", RAW_PUT, content_type="application/json")
    receiver.wait_for(1)
    for minute in range(3):
        patch = RAW_PATCH.replace(b"11:00", f"11:0{minute + 1}".encode())
        cpo.patch(
            "/ocpi/2.2.1/receiver/locations/NL/CPO/LOC1/EVSE1",
            patch,
            content_type="application/json",
        )
        receiver.wait_for(2 + minute)
    wait_until(lambda: not Delivery.objects.pending().exists())

    after = scrape()
    delivered = dict(receiver="DE*MSP:EMSP", module="locations", outcome="delivered")
    assert (
        value(after, "ocpi_hub_deliveries_total", **delivered)
        - value(before, "ocpi_hub_deliveries_total", **delivered)
        == 4
    )
    attempts = "ocpi_hub_delivery_attempt_seconds_count"
    assert value(after, attempts, receiver="DE*MSP:EMSP") >= 4
    assert (
        value(after, "ocpi_hub_pushes_accepted_total", module="locations")
        - value(before, "ocpi_hub_pushes_accepted_total", module="locations")
        == 4
    )
    requests = dict(module="locations", interface="RECEIVER", ocpi_status="1000")
    assert (
        value(after, "ocpi_hub_requests_total", method="PATCH", **requests)
        - value(before, "ocpi_hub_requests_total", method="PATCH", **requests)
        == 3
    )
    assert value(after, "ocpi_hub_delivery_backlog", receiver="DE*MSP:EMSP") == 0
    assert value(after, "ocpi_hub_platforms", status="CONNECTED") == 2


def test_backlog_lag_and_parked_cdrs_are_read_from_the_database(db, cpo, emsp):
    make_delivery(cpo, emsp, module="locations", age_seconds=600)
    make_delivery(cpo, emsp, module="cdrs", status=Delivery.Status.PARKED)

    samples = scrape()

    assert value(samples, "ocpi_hub_delivery_backlog", receiver="DE*MSP:EMSP") == 1
    assert value(samples, "ocpi_hub_delivery_lag_seconds", receiver="DE*MSP:EMSP") >= 600
    assert value(samples, "ocpi_hub_parked_deliveries", module="cdrs") == 1
    assert value(samples, "ocpi_hub_parked_deliveries", module="sessions") == 0


@pytest.mark.django_db(transaction=True)
def test_without_the_database_the_process_counters_are_still_served():
    database = connections["default"]
    Client().get("/ocpi/2.2.1/nowhere")  # counted in this process
    # Point the connection where no database is: a closed port, or a folder that is not there.
    key, unreachable = (
        ("NAME", "/nonexistent/hub.sqlite3")
        if database.vendor == "sqlite"
        else (
            "PORT",
            1,
        )
    )
    saved = database.settings_dict[key]
    database.close()
    database.settings_dict[key] = unreachable
    try:
        samples = scrape()
    finally:
        database.close()
        database.settings_dict[key] = saved
    assert value(samples, "ocpi_hub_database_up") == 0
    assert value(samples, "ocpi_hub_requests_total", http_status="404") >= 1
    assert not any(name == "ocpi_hub_delivery_backlog" for name, _ in samples)


def test_a_refused_token_counts_as_a_client_error(db):
    before = scrape()
    response = ocpi_client("no-such-token").get("/ocpi/2.2.1/sender/locations")
    assert response.status_code == 401
    labels = dict(module="locations", interface="SENDER", ocpi_status="2000", http_status="401")
    assert value(scrape(), "ocpi_hub_requests_total", **labels) == (
        value(before, "ocpi_hub_requests_total", **labels) + 1
    )


def test_an_unknown_url_counts_as_a_client_error(db):
    before = scrape()
    assert Client().get("/ocpi/2.2.1/nowhere").status_code == 404
    labels = dict(ocpi_status="2000", http_status="404")
    assert value(scrape(), "ocpi_hub_requests_total", **labels) == (
        value(before, "ocpi_hub_requests_total", **labels) + 1
    )


@pytest.mark.parametrize(
    ("remote_addr", "headers", "allowed"),
    [
        ("127.0.0.1", {}, True),
        ("203.0.113.9", {}, False),
        ("203.0.113.9", {"HTTP_AUTHORIZATION": "Bearer scrape-secret"}, True),
        ("203.0.113.9", {"HTTP_AUTHORIZATION": "Bearer wrong"}, False),
        ("10.1.2.3", {}, True),
    ],
)
def test_only_allowed_scrapers_get_the_metrics(db, settings, remote_addr, headers, allowed):
    settings.HUB_METRICS_TOKEN = "scrape-secret"
    settings.HUB_METRICS_ALLOWED_NETWORKS = [
        ipaddress.ip_network("127.0.0.1"),
        ipaddress.ip_network("10.0.0.0/8"),
    ]
    response = Client(REMOTE_ADDR=remote_addr).get("/metrics", **headers)
    assert response.status_code == (200 if allowed else 403)
