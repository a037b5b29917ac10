"""`make demo` runs for a bounded time: traffic reaches each simulated party through the hub."""

import json
import socket
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_demo_registers_four_parties_and_traffic_reaches_each(tmp_path):
    command = [sys.executable, "-m", "demo", "--port", str(free_port()), "--duration", "40"]
    command += ["--outage-every", "12", "--outage-for", "5", "--var-dir", str(tmp_path / "demo")]

    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "/admin/" in result.stdout and "password" in result.stdout
    summary = json.loads(result.stdout.split("demo summary: ", 1)[1].splitlines()[0])
    received = summary["received"]
    cpos, emsps = ["NL*VLT (CPO)", "NL*LPN (CPO)"], ["DE*DRV (EMSP)", "FR*RMM (EMSP)"]
    assert sorted(received) == sorted(cpos + emsps)
    for cpo in cpos:
        assert received[cpo].get("tokens", 0) > 0  # Token pushes
        assert received[cpo].get("hubclientinfo", 0) > 0
    for emsp in emsps:
        assert received[emsp].get("locations", 0) > 0  # Location and EVSE pushes
        assert received[emsp].get("tariffs", 0) > 0
    assert sum(received[cpo].get("commands", 0) for cpo in cpos) > 0  # START/STOP_SESSION
    # authorizations, command results, Sessions and CDRs reach the eMSPs
    for module in ("tokens", "commands", "sessions", "cdrs"):
        assert sum(received[emsp].get(module, 0) for emsp in emsps) > 0, module
    assert summary["outages"] >= 1
    # the hub accepted what the parties sent (4003: an authorization during the outage)
    refused = {
        key: n for key, n in summary["sent"].items() if key.split()[1] not in ("1000", "4003")
    }
    assert refused == {}
