"""Hypothesis profiles for the fuzz suite, and the number of cases tried.

CI runs the `ci` profile (a bounded number of cases per interface, the same ones every run);
`make fuzz` runs the `fuzz` profile: many more, new ones each run.
"""

import os

from hypothesis import HealthCheck, settings

COMMON = {
    "deadline": None,
    "database": None,  # nothing written to the checkout
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
settings.register_profile("ci", max_examples=20, derandomize=True, **COMMON)
settings.register_profile("fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", 500)), **COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

CASES = {"tried": 0}


def pytest_terminal_summary(terminalreporter):
    if CASES["tried"]:
        terminalreporter.write_line(f"fuzz: {CASES['tried']} cases sent to the hub's interfaces")
