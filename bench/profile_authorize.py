"""In-process cost of one real-time authorization: a CPO's `POST .../tokens/{uid}/authorize`
with OCPI-to naming the eMSP, through Django's WSGI handler (the whole middleware chain,
authentication, the real-time rate limit in Redis, the agreement check, the receiver lookup)
and the hub's outbound client to a real eMSP receiver (`bench.receiver` under granian, in its
own process on 127.0.0.1), beside the same POST sent straight to that receiver.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_profile \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python -m bench.profile_authorize [--requests 1000] [--cprofile]

Prints the hub's wall and CPU µs per authorization, the direct call's wall µs, the added p50
and the SQL statements per authorization; `--cprofile` adds where the hub's CPU goes. The
database is flushed first: never point it at data that matters.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("LOG_LEVEL", "WARNING")

PORT = 8829
ROUTED = {
    "HTTP_OCPI_TO_COUNTRY_CODE": "DE",
    "HTTP_OCPI_TO_PARTY_ID": "MS0",
    "HTTP_OCPI_FROM_COUNTRY_CODE": "NL",
    "HTTP_OCPI_FROM_PARTY_ID": "CPO",
}
BODY = json.dumps({"location_id": "L1"}).encode()
PATH = "/ocpi/2.2.1/sender/tokens/BENCH/authorize?type=RFID"


def setup(port: int) -> str:
    """Migrate and flush the database; a CPO and an eMSP whose Tokens sender interface is the
    receiver on `port`; returns the CPO's Authorization header."""
    import django

    django.setup()
    from bench.inprocess import authorization_header, connected_party, fresh_database

    fresh_database()
    cpo = connected_party("cpo", "NL", "CPO", "CPO")
    url = f"http://127.0.0.1:{port}/ocpi/emsp/tokens"
    connected_party("emsp0", "DE", "MS0", "EMSP", ("tokens", "SENDER", url))
    return authorization_header(cpo)


def start_receiver(port: int) -> subprocess.Popen:
    from bench.stack import wait_for_port

    receiver = subprocess.Popen(
        [
            *(sys.executable, "-m", "granian", "--interface", "asgi", "--port", str(port)),
            *("--workers", "1", "--log-level", "warning", "bench.receiver:app"),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port)
    return receiver


def run(client, header, direct, count) -> dict:
    """`count` authorizations through the hub, each followed by one straight to the receiver
    (so both see the same machine load)."""
    hub_us, direct_us, cpu_us = [], [], []
    for _ in range(count):
        cpu_started, started = time.thread_time(), time.perf_counter()
        response = client.post(
            PATH, BODY, content_type="application/json", HTTP_AUTHORIZATION=header, **ROUTED
        )
        hub_us.append((time.perf_counter() - started) * 1e6)
        cpu_us.append((time.thread_time() - cpu_started) * 1e6)
        if b'"ALLOWED"' not in response.content:
            raise RuntimeError(f"hub: {response.status_code} {response.content[:300]!r}")
        started = time.perf_counter()
        _status, payload, _ = direct.send(
            "POST", "/ocpi/emsp/tokens/BENCH/authorize?type=RFID", BODY
        )
        direct_us.append((time.perf_counter() - started) * 1e6)
        if b'"ALLOWED"' not in payload:
            raise RuntimeError(f"direct: {payload[:300]!r}")
    return {"hub": hub_us, "direct": direct_us, "cpu": cpu_us}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--port", type=int, default=PORT, help="the receiver's port")
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative", help="pstats order, e.g. tottime")
    args = parser.parse_args()
    header = setup(args.port)
    receiver = start_receiver(args.port)
    try:
        from django.db import connection
        from django.test import Client

        from bench.load import Connection
        from bench.stack import percentile

        client = Client()
        direct = Connection(f"http://127.0.0.1:{args.port}", "-")
        statements = []
        connection.execute_wrappers.append(lambda execute, *a: statements.append(1) or execute(*a))
        run(client, header, direct, 50)  # warm-up: imports, pooled connections
        statements.clear()
        result = run(client, header, direct, args.requests)
        hub, straight = result["hub"], result["direct"]
        print(
            f"hub    wall p50 {percentile(hub, 0.5):6.0f} µs, p99 {percentile(hub, 0.99):6.0f} µs,"
            f" CPU p50 {percentile(result['cpu'], 0.5):5.0f} µs,"
            f" {len(statements) / args.requests:.1f} SQL statements"
        )
        print(
            f"direct wall p50 {percentile(straight, 0.5):6.0f} µs,"
            f" p99 {percentile(straight, 0.99):6.0f} µs"
        )
        print(f"added  p50 {percentile(hub, 0.5) - percentile(straight, 0.5):6.0f} µs")
        if args.cprofile:
            profiler = cProfile.Profile(time.thread_time)  # CPU, not waiting on the receiver
            profiler.enable()
            run(client, header, direct, args.requests)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
            print(out.getvalue())
    finally:
        os.killpg(receiver.pid, 15)
        receiver.wait(timeout=10)


if __name__ == "__main__":
    main()
