"""The hub's settings with a run directory of the tests' own.

A hub started with `make run` in the same checkout keeps its database, file broker and metrics
under `var/`; tests (and the workers they start, which inherit the environment) use a fresh
temporary directory instead, so neither takes the other's tasks.
"""

import os
import tempfile

if not os.environ.get("HUB_VAR_DIR"):  # (set already in the workers the tests start)
    os.environ["HUB_VAR_DIR"] = tempfile.mkdtemp(prefix="ocpi-hub-tests-")

from hub.settings import *  # noqa: F403
