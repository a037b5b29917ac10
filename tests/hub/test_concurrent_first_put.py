"""Two first PUTs of the same object at the same time: both succeed, one object is stored."""

import threading
import time

import pytest
from django.db import connection

from locations import actions
from locations.models import Location
from tests.conftest import create_platform, ocpi_client
from tests.locations.conftest import location, put


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
    _, token = create_platform("CPO platform", [("NL", "CPO", "CPO")])
    answers = []

    def send(name):
        try:
            answers.append(put(ocpi_client(token), "NL/CPO/LOC1", location(name=name)))
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
