"""Benchmark settings: the hub's own settings plus the storage-baseline view."""

from hub.settings import *  # noqa: F403
from hub.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.baseline"]
ROOT_URLCONF = "bench.urls"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
