"""PUTs of the same object at the same time: all succeed, one object is stored, and what is
delivered ends with what is stored."""

import json
import threading
import time

import pytest
from django.db import connection

from hub.models import Message
from locations import actions
from locations.models import Location
from tests.conftest import create_platform, ocpi_client
from tests.locations.conftest import EVSE, location, patch, put

TO_EMSP = {"HTTP_OCPI_TO_COUNTRY_CODE": "DE", "HTTP_OCPI_TO_PARTY_ID": "MSP"}


@pytest.fixture
def slow_first_write(monkeypatch):
    """Hold each PUT between its lookup and its insert, so that two requests both miss."""
    apply = actions._apply

    def held(found, *args, **kwargs):
        if found is None:
            time.sleep(0.3)
        return apply(found, *args, **kwargs)

    monkeypatch.setattr(actions, "_apply", held)


def test_simultaneous_first_puts_both_succeed(transactional_db, slow_first_write):
    """Pushed to one party (a broadcast PUT is an upsert on PostgreSQL: no lookup to miss)."""
    _, token = create_platform("CPO platform", [("NL", "CPO", "CPO")])
    create_platform(
        "eMSP receiver",
        [("DE", "MSP", "EMSP")],
        endpoints={("locations", "RECEIVER"): "http://emsp.test/ocpi/emsp/2.2.1/locations/"},
    )
    answers = []

    def send(name):
        try:
            answers.append(put(ocpi_client(token), "NL/CPO/LOC1", location(name=name), **TO_EMSP))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(answer.status_code for answer in answers) == [200, 201]
    assert all(answer.json()["status_code"] == 1000 for answer in answers)
    assert Location.objects.count() == 1


def test_concurrent_puts_of_one_location_leave_it_as_its_newest_message(transactional_db):
    """A whole Location is written without being read first: the write's own row lock must
    still order the Messages (what the receivers get) like the stored copy's writes."""
    _, token = create_platform("CPO platform", [("NL", "CPO", "CPO")])
    answers = []

    def send(sender):
        try:
            client = ocpi_client(token)
            for number in range(5):
                name = f"{sender}-{number}"
                answers.append(put(client, "NL/CPO/LOC1", location(name=name)))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(sender,)) for sender in "ABCD"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(answers) == 20
    assert all(answer.json()["status_code"] == 1000 for answer in answers)
    assert sorted(answer.status_code for answer in answers) == [200] * 19 + [201]
    stored = Location.objects.get()
    newest = Message.objects.filter(module="locations", object_id="LOC1").latest("id")
    assert json.loads(bytes(newest.body))["name"] == stored.document["name"]
    assert Message.objects.filter(module="locations").count() == 20


def test_concurrent_patches_of_one_location_lose_no_update(transactional_db):
    """Each EVSE PATCH rewrites the whole stored Location: one read before another's write
    must not write over it (here: four CPO threads, each patching its own EVSE)."""
    _, token = create_platform("CPO platform", [("NL", "CPO", "CPO")])
    evses = [{**EVSE, "uid": f"E{number}"} for number in range(1, 5)]
    assert put(ocpi_client(token), "NL/CPO/LOC1", location(evses=evses)).status_code == 201
    statuses = ["CHARGING", "AVAILABLE", "BLOCKED", "RESERVED", "OUTOFORDER"]
    answers = []

    def send(uid):
        try:
            client = ocpi_client(token)
            for number, status_ in enumerate(statuses):
                body = {"status": status_, "last_updated": f"2024-01-02T10:00:0{number}Z"}
                answers.append(patch(client, f"NL/CPO/LOC1/{uid}", body))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(evse["uid"],)) for evse in evses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [answer.json()["status_code"] for answer in answers] == [1000] * 20
    stored = Location.objects.get().document
    assert {evse["uid"]: evse["status"] for evse in stored["evses"]} == {
        f"E{number}": "OUTOFORDER" for number in range(1, 5)
    }
    assert Message.objects.filter(module="locations").count() == 21
