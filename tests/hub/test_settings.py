import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start_with(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hub.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("HUB_BASE_URL", "hub.example.com"),
        ("HUB_COUNTRY_CODE", "NLD"),
        ("DATABASE_URL", "nosuchdb://x"),
        ("OCPI_PAGE_MAX_LIMIT", "many"),
        ("DATABASE_PREPARED_STATEMENTS", "sometimes"),
    ],
)
def test_bad_value_stops_start_up_naming_the_variable(name, value):
    result = start_with(**{name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_bare_machine_defaults_start():
    result = start_with(DATABASE_URL="", CELERY_BROKER_URL="", DEBUG="")
    assert result.returncode == 0, result.stderr


SERVERS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
}


def serve_with(**env) -> subprocess.CompletedProcess:
    """Load the hub's WSGI application, as a web server does."""
    return subprocess.run(
        [sys.executable, "-c", "import hub.wsgi"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hub.settings", **SERVERS, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_default_secret_key_stops_the_web_process_without_debug():
    result = serve_with(DEBUG="false", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_default_secret_key_stops_a_worker_without_debug():
    result = subprocess.run(
        [sys.executable, "-c", "from hub.celery import app; "
         "from celery.signals import worker_init; worker_init.send(sender=None)"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hub.settings", **SERVERS,
             "DEBUG": "false", "SECRET_KEY": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_web_process_starts_with_a_secret_key_or_debug():
    assert serve_with(DEBUG="false", SECRET_KEY="a-long-random-value").returncode == 0
    assert serve_with(DEBUG="true", SECRET_KEY="").returncode == 0


def outbound_allow(**env) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import "
         "settings; print(','.join(map(str, settings.HUB_OUTBOUND_ALLOW)))"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hub.settings", "SECRET_KEY": "k", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_calls_public_addresses_only():
    assert outbound_allow(**SERVERS, DEBUG="false", HUB_OUTBOUND_ALLOW="") == ""


def test_debug_and_embedded_default_may_call_loopback():
    assert outbound_allow(**SERVERS, DEBUG="true") == "127.0.0.0/8,::1/128"
    embedded = {"DATABASE_URL": "", "CELERY_BROKER_URL": "", "DEBUG": "false"}
    assert outbound_allow(**embedded) == "127.0.0.0/8,::1/128"


def test_allow_list_names_networks():
    assert outbound_allow(**SERVERS, HUB_OUTBOUND_ALLOW="10.0.0.0/8, 192.0.2.7") == (
        "10.0.0.0/8,192.0.2.7/32"
    )
    result = start_with(HUB_OUTBOUND_ALLOW="intranet")
    assert result.returncode != 0
    assert "HUB_OUTBOUND_ALLOW" in result.stderr
