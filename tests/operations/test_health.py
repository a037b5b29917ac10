"""/healthz and /readyz: no token, JSON, nothing about versions or configuration."""

from django.test import Client


def test_healthz_answers_without_touching_the_database():
    # No `db` fixture: any database access here would raise.
    response = Client(HTTP_HOST="10.0.0.7").get("/healthz")  # a probe by pod address
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_database_broker_and_migrations(db):
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "broker": "ok"},
    }


def test_readyz_names_what_failed_and_nothing_more(db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["broker"]
    assert body["checks"]["broker"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    text = response.content.decode()
    assert "127.0.0.1" not in text and "redis" not in text and "2.2.1" not in text
