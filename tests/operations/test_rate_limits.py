"""Rate limits per platform (and per Token A): HTTP 429, Retry-After, the OCPI envelope; a
real-time bucket of its own, so pushes never hold up an authorization."""

import time

import pytest
from django.test import override_settings

from parties.actions import invite_platform
from parties.models import Platform
from tests.conftest import create_platform, ocpi_client
from tests.integration.test_authorize import authorization_info, authorize, emsp_at

LOCATIONS = "/ocpi/2.2.1/sender/locations"


def cpo_limited_to(rate: int):
    platform, token = create_platform("CPO", [("NL", "CPO", "CPO")])
    Platform.objects.filter(pk=platform.pk).update(rate_limit=rate)  # as set in the admin
    return ocpi_client(token)


def statuses(client, count: int, path: str = LOCATIONS) -> list[int]:
    return [client.get(path).status_code for _ in range(count)]


@pytest.fixture(params=["redis", "in-process"])
def buckets(request, settings):
    """Both kinds of bucket: Redis (with a Redis broker) and the embedded default's."""
    if request.param == "in-process":
        settings.CELERY_BROKER_URL = "filesystem://"
    elif not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs CELERY_BROKER_URL=redis://... (CI sets it)")
    return request.param


def test_over_the_limit_is_429_with_retry_after_in_an_ocpi_envelope(db, buckets):
    cpo = cpo_limited_to(1)  # 1/s, bursts of 2
    assert statuses(cpo, 2) == [200, 200]

    response = cpo.get(LOCATIONS)

    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    body = response.json()
    assert body["status_code"] == 2000
    assert "rate limit" in body["status_message"]
    time.sleep(1.0)  # as Retry-After said
    assert cpo.get(LOCATIONS).status_code == 200


def test_a_platform_is_limited_whatever_else_is_busy(db, buckets):
    busy, calm = cpo_limited_to(1), ocpi_client(create_platform("eMSP", [("DE", "MSP", "EMSP")])[1])
    assert 429 in statuses(busy, 4)
    assert statuses(calm, 4) == [200] * 4


@pytest.mark.integration
def test_a_burst_of_pushes_never_holds_up_a_real_time_authorization(db, buckets, party_server):
    emsp_at(party_server(authorization_info))
    cpo = cpo_limited_to(1)
    assert 429 in statuses(cpo, 5)

    response, _ = authorize(cpo)

    assert response.status_code == 200
    assert response.json()["data"]["allowed"] == "ALLOWED"


@override_settings(HUB_RATE_LIMIT_TOKEN_A=1)
def test_token_a_is_limited_per_token(db, buckets):
    _, token_a = invite_platform("Charge Co", [("NL", "CHC", "CPO")])
    _, other_token_a = invite_platform("Other Co", [("NL", "OTH", "CPO")])
    client = ocpi_client(token_a)
    assert statuses(client, 3, "/ocpi/versions") == [200, 200, 429]
    assert ocpi_client(other_token_a).get("/ocpi/versions").status_code == 200


def test_when_redis_is_down_requests_go_through(db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    cpo = cpo_limited_to(1)
    assert statuses(cpo, 4) == [200] * 4
