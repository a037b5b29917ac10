"""On PostgreSQL, a push's statements are prepared once per connection instead of being planned
again on every request (what that saves is in docs/performance.md)."""

import pytest
from django.db import connection

from tests.locations.conftest import location, put


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_repeated_pushes_run_prepared_statements_and_store_every_location(cpo, emsp_receiver):
    for number in range(8):
        answer = put(cpo.client, f"NL/CPO/PREP{number}", location(id=f"PREP{number}"))
        assert answer.json()["status_code"] == 1000

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any("INSERT INTO" in text and "locations_location" in text for text in prepared)

    pulled = emsp_receiver.client.get("/ocpi/2.2.1/sender/locations?limit=100").json()["data"]
    assert sorted(item["id"] for item in pulled) == [f"PREP{number}" for number in range(8)]
