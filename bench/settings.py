"""Benchmark settings: the hub's own settings plus the storage-baseline view."""

import os

from hub.settings import *  # noqa: F403
from hub.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.baseline"]
ROOT_URLCONF = "bench.urls"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# The benchmark's receivers and hub run on loopback.
HUB_OUTBOUND_ALLOW = ["127.0.0.0/8", "::1/128"]
SECRET_KEY = os.environ.get("SECRET_KEY") or "bench-secret-key-not-for-production"
# The benchmark measures capacity: one CPO platform sends everything, and a platform's rate
# limit must not cap it (the limiter still runs on every request).
HUB_RATE_LIMIT = 1e6
