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
    ],
)
def test_bad_value_stops_start_up_naming_the_variable(name, value):
    result = start_with(**{name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_bare_machine_defaults_start():
    result = start_with(DATABASE_URL="", CELERY_BROKER_URL="", DEBUG="")
    assert result.returncode == 0, result.stderr
