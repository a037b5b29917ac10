"""`make demo`: the hub on its embedded default with two simulated CPOs and two simulated eMSPs,
registered through the hub's real onboarding and sending live traffic until stopped.

Traffic: Locations and EVSE status changes, Tariffs, Tokens, real-time authorizations,
START/STOP_SESSION commands answered with results, Sessions and CDRs; now and then one eMSP
goes down for a while and the hub delivers what it missed when it is back. The hub keeps its
data in a run directory of its own (var/demo, fresh each time), not `make run`'s.

    python -m demo [--port 8001] [--duration SECONDS]
"""

import argparse
import json
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
# Quick retries so an outage and its recovery play out in seconds.
DEMO_ENVIRONMENT = {
    "LOG_LEVEL": "WARNING",
    "DELIVERY_SWEEP_INTERVAL": "2",
    "DELIVERY_RETRY_BASE": "1",
    "DELIVERY_RETRY_CAP": "4",
}


def configure(port: int, var_dir: Path) -> None:
    """The embedded default (SQLite, file broker) in `var_dir`, whatever the shell has set."""
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "PROMETHEUS_MULTIPROC_DIR"):
        os.environ.pop(name, None)
    shutil.rmtree(var_dir, ignore_errors=True)
    os.environ.update(
        DEMO_ENVIRONMENT,
        HUB_VAR_DIR=str(var_dir),
        HUB_BASE_URL=f"http://127.0.0.1:{port}",
        DJANGO_SETTINGS_MODULE="hub.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def wait_until_ready(base: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the hub did not become ready within {timeout:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--duration", type=float, default=0, help="seconds (0: until stopped)")
    parser.add_argument("--outage-every", type=float, default=60.0)
    parser.add_argument("--outage-for", type=float, default=15.0)
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "demo")
    options = parser.parse_args()
    configure(options.port, options.var_dir)

    from django.core.management import call_command

    from demo.scenario import Scenario
    from hub.embedded import ensure_admin, start_hub, stop_hub

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    call_command("migrate", verbosity=0)
    admin_line = ensure_admin()
    base = f"http://127.0.0.1:{options.port}"
    log_file = options.var_dir / "hub.log"
    processes = start_hub("127.0.0.1", options.port, "WARNING", log_file)
    scenario = Scenario(base)
    try:
        wait_until_ready(base)
        scenario.onboard()
        print(
            "\nThe demo hub is running, with two simulated CPOs and two simulated eMSPs.\n"
            f"  Admin:      {base}/admin/   {admin_line}\n"
            f"  Dashboard:  {base}/admin/delivery-dashboard/\n"
            f"  Metrics:    {base}/metrics\n"
            f"  Parties:    {', '.join(str(party) for party in scenario.parties)}\n"
            f"  Hub log:    {log_file}\n"
            "Stop with Ctrl-C.\n",
            flush=True,
        )
        scenario.run(stopping, options.duration, options.outage_every, options.outage_for)
    finally:
        scenario.close()
        stop_hub(processes)
        print("demo summary: " + json.dumps(scenario.summary(), sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
