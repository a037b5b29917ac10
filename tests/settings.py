"""The hub's settings with a run directory of the tests' own, and loopback callable.

A hub started with `make run` in the same checkout keeps its database, file broker and metrics
under `var/`; tests (and the workers they start, which inherit the environment) use a fresh
temporary directory instead, so neither takes the other's tasks.

Test receivers (tests/servers.py) listen on 127.0.0.1, which the hub refuses to call unless
HUB_OUTBOUND_ALLOW names it.
"""

import os
import tempfile

if not os.environ.get("HUB_VAR_DIR"):  # (set already in the workers the tests start)
    os.environ["HUB_VAR_DIR"] = tempfile.mkdtemp(prefix="ocpi-hub-tests-")

from hub.settings import *  # noqa: F403

HUB_OUTBOUND_ALLOW = ["127.0.0.0/8", "::1/128"]
SECRET_KEY = os.environ.get("SECRET_KEY") or "test-secret-key-not-for-production"
