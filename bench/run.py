"""The hub's benchmark: throughput, fan-out latency, pull speed and authorization overhead,
each printed beside a baseline measured in the same run (storage: parse a push and upsert it;
relay: pass an authorization on and its answer back, with nothing else).

Pushes are measured twice: with the deliveries sharing the cores, as in production, and with
the workers held while the load runs (the cost of accepting a push alone).

    .venv/bin/python -m bench.run            # full run, about 15 minutes on 2 cores
    .venv/bin/python -m bench.run --quick    # a smoke run, about 2 minutes
    .venv/bin/python -m bench.run --only authorize   # authorization alone, under a minute

Needs PostgreSQL and Redis on 127.0.0.1 (as in CI). Starts everything else itself: the hub
under granian (WSGI, several processes), Celery workers in the recommended shape and beat
(`--worker` for another shape), three eMSP receivers and the load generators. Writes
bench/results/latest.json and docs/performance-latency.svg. Delivery under receiver latency:
`python -m bench.delivery`.
"""

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.stack import (
    RECOMMENDED_WORKERS,
    ROOT,
    Stack,
    add_history,
    hardware,
    hub_env,
    median,
    percentile,
    prepare_database,
    progress,
    seed_parties,
    wait_for_port,
)

RESULTS = ROOT / "bench" / "results"
HUB_PORT, RECEIVER_PORTS = 8811, (8821, 8822, 8823)
HUB = f"http://127.0.0.1:{HUB_PORT}"
# Another database and Redis db than the defaults with BENCH_DATABASE and BENCH_REDIS_DB.
DATABASE = os.environ.get("BENCH_DATABASE", "hub_bench")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "9"))
ENV = hub_env(DATABASE, REDIS_DB, HUB_PORT)
os.environ.update(ENV)


def rss_kib(pids) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def receiver_stats(detail=False) -> list[dict]:
    from bench.load import Connection

    stats = []
    for port in RECEIVER_PORTS:
        _status, payload, _ = Connection(f"http://127.0.0.1:{port}", "-").send(
            "GET", "/stats?detail" if detail else "/stats"
        )
        stats.append(json.loads(payload))
    return stats


def reset_receivers():
    from bench.load import Connection

    for port in RECEIVER_PORTS:
        Connection(f"http://127.0.0.1:{port}", "-").send("POST", "/reset")


def wait_for_drain(sent: dict, started: float, timeout: float = 180) -> dict:
    """Wait (bounded) until every receiver holds the newest accepted version of every object
    in `sent` (path -> last_updated), or stops receiving.

    Counting arrivals would not do: an object updated many times arrives in several versions,
    or in fewer (a superseded version is rightly skipped).
    """
    deadline = time.monotonic() + timeout
    last, idle_since = None, time.monotonic()
    while time.monotonic() < deadline:
        stats = receiver_stats(detail=True)
        if behind(sent, stats) == 0:
            break
        counts = [s["count"] for s in stats]
        if counts != last:
            last, idle_since = counts, time.monotonic()
        elif time.monotonic() - idle_since > DRAINED_AFTER_IDLE_S:
            break
        time.sleep(0.5)
    return {"drained_after_s": time.time() - started}


DRAINED_AFTER_IDLE_S = 5  # much less than the sweeper's 30 s: a stranded delivery shows


def behind(sent: dict, stats: list[dict]) -> int:
    """(object, receiver) pairs whose newest accepted version has not arrived yet."""
    return check_delivery(sent, stats)["missing"]


def delivery_rate(stats: list[dict], started: float) -> float:
    """Deliveries per second from the start of the load to the last arrival."""
    arrivals = [arrival for detail in stats for arrival, _ in detail["latencies"]]
    if not arrivals:
        return 0.0
    return len(arrivals) / max(max(arrivals) - started, 1e-9)


def check_delivery(sent: dict, stats: list[dict]) -> dict:
    """Missing: an object whose newest accepted version no receiver-side copy reached."""
    missing = 0
    for detail in stats:
        latest = {
            path.split("/locations/", 1)[1]: value for path, value in detail["latest"].items()
        }
        for path, last_updated in sent.items():
            key = path.split("/receiver/locations/", 1)[1]
            parent = "/".join(key.split("/")[:3])  # a PATCH may arrive inside a full PUT
            if latest.get(key, "") < last_updated and latest.get(parent, "") < last_updated:
                missing += 1
    return {
        "missing": missing,
        "duplicates": sum(detail["duplicates"] for detail in stats),
    }


def latencies_between(stats, start, end) -> list[float]:
    return [
        ms for detail in stats for arrival, ms in detail["latencies"] if start <= arrival <= end
    ]


def workload(stack, kind, token, duration, repetitions, key_space=None):
    """Closed-loop rate of the baseline and of the hub, alternating, `repetitions` times.

    The hub runs twice each time: as in production, its deliveries sharing the cores with the
    web; then with the workers held (SIGSTOP) while the load runs and resumed after, which is
    the cost of accepting a push alone (the fan-out is checked after both).
    """
    from bench.load import closed_loop

    runs = {"hub": [], "baseline": [], "ingress": []}
    fanout, held_fanout = [], []
    for _ in range(repetitions):
        started = time.monotonic()
        latencies, _, failed = closed_loop(
            HUB, token, f"{kind}-baseline", duration, key_space=key_space
        )
        runs["baseline"].append(_rates(latencies, failed, time.monotonic() - started))
        for name, sink, held in (("hub", fanout, False), ("ingress", held_fanout, True)):
            reset_receivers()
            wall_start = time.time()
            started = time.monotonic()
            with stack.workers_held() if held else contextlib.nullcontext():
                latencies, sent, failed = closed_loop(
                    HUB, token, kind, duration, key_space=key_space
                )
                elapsed = time.monotonic() - started
            runs[name].append(_rates(latencies, failed, elapsed))
            backlog = behind(sent, receiver_stats(detail=True))
            wait_for_drain(sent, wall_start)
            stats = receiver_stats(detail=True)
            sink.append(
                {
                    "accepted": runs[name][-1]["accepted"],
                    "backlog_at_stop": backlog,
                    "deliveries_per_s": delivery_rate(stats, wall_start),
                    "e2e_p50_ms": percentile(latencies_between(stats, 0, float("inf")), 0.5),
                    "e2e_p99_ms": percentile(latencies_between(stats, 0, float("inf")), 0.99),
                    **check_delivery(sent, stats),
                }
            )
    return {
        "hub_rps": median([r["rps"] for r in runs["hub"]]),
        "hub_p50_ms": median([r["p50"] for r in runs["hub"]]),
        "hub_p99_ms": median([r["p99"] for r in runs["hub"]]),
        "baseline_rps": median([r["rps"] for r in runs["baseline"]]),
        "baseline_p50_ms": median([r["p50"] for r in runs["baseline"]]),
        "baseline_p99_ms": median([r["p99"] for r in runs["baseline"]]),
        "ingress_rps": median([r["rps"] for r in runs["ingress"]]),
        "ingress_p50_ms": median([r["p50"] for r in runs["ingress"]]),
        "ingress_p99_ms": median([r["p99"] for r in runs["ingress"]]),
        "fanout": {key: median([f[key] for f in fanout]) for key in fanout[0]},
        "held_fanout": {key: median([f[key] for f in held_fanout]) for key in held_fanout[0]},
    }


def _rates(latencies, failed, elapsed):
    accepted = len(latencies) - failed
    return {
        "rps": accepted / elapsed,
        "accepted": accepted,
        "failed": failed,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
    }


def create_locations(token, count, prefix) -> tuple[list[str], dict]:
    """PUT `count` Locations through the hub; return their EVSE keys for W2, and what was
    sent (path -> last_updated)."""
    from bench.load import Connection, location

    connection = Connection(HUB, token)
    keys, sent = [], {}
    for index in range(count):
        location_id = f"{prefix}{index}"
        path = f"/ocpi/2.2.1/receiver/locations/NL/CPO/{location_id}"
        body = location(location_id)
        status, payload, _ = connection.send("PUT", path, json.dumps(body).encode())
        if b'"status_code":1000' not in payload:
            raise RuntimeError(f"seeding failed: {status} {payload[:200]!r}")
        sent[path] = body["last_updated"]
        keys += [f"{location_id}/{location_id}-E1", f"{location_id}/{location_id}-E2"]
    return keys, sent


def offered_load(token, rate, duration, key_space) -> dict:
    """Offer `rate` W2 PATCHes/s; report end-to-end latency, backlog growth, losses."""
    from bench.load import paced

    reset_receivers()
    wall_start = time.time()
    latencies, sent, failed = paced(HUB, token, "W2", rate, duration, key_space)
    wall_stop = time.time()
    backlog = behind(sent, receiver_stats(detail=True))
    wait_for_drain(sent, wall_start)
    stats = receiver_stats(detail=True)
    e2e = latencies_between(stats, wall_start, float("inf"))
    return {
        "offered_rps": rate,
        "accepted": len(sent),
        "failed": failed,
        "request_p50_ms": percentile(latencies, 0.5),
        "request_p99_ms": percentile(latencies, 0.99),
        "e2e_p50_ms": percentile(e2e, 0.5),
        "e2e_p99_ms": percentile(e2e, 0.99),
        "backlog_at_stop": backlog,
        "duration_s": wall_stop - wall_start,
        **check_delivery(sent, stats),
    }


def pull_all(stack, token, path, limit=100) -> dict:
    """Follow Link headers from the first page to the last; time pages, sample server memory."""
    from bench.load import Connection

    connection = Connection(HUB, token)
    url = f"{path}?limit={limit}"
    page_times, objects, rss = [], 0, []
    pids = stack.server_pids()
    started = time.perf_counter()
    for _ in range(100_000):  # bounded: at most this many pages
        page_started = time.perf_counter()
        _status, payload, link = connection.send("GET", url)
        page_times.append((time.perf_counter() - page_started) * 1000)
        body = json.loads(payload)
        if body.get("status_code") != 1000:
            raise RuntimeError(f"pull failed: {payload[:200]!r}")
        objects += len(body["data"])
        if len(page_times) % 10 == 1:
            rss.append(rss_kib(pids))
        if not link:
            break
        target = urlsplit(link[1 : link.index(">")])
        url = f"{target.path}?{target.query}"
    total = time.perf_counter() - started
    first = median(page_times[:5])
    last = median(page_times[-5:])
    return {
        "objects": objects,
        "pages": len(page_times),
        "total_s": total,
        "objects_per_s": objects / total,
        "first_page_ms": first,
        "last_page_ms": last,
        "rss_start_mib": rss[0] / 1024 if rss else 0,
        "rss_peak_mib": max(rss) / 1024 if rss else 0,
        "rss_end_mib": rss[-1] / 1024 if rss else 0,
    }


def seed_stored_locations(total: int):
    """Store Locations directly (bulk), as if pushed earlier, for the pull workload."""
    import django

    django.setup()
    from bench.seed import seed_locations

    seed_locations(total)


def authorization(token, repetitions=300) -> dict:
    """A CPO's real-time authorize through the hub, through the relay baseline (the same web
    server and outbound client, nothing else) and straight to the eMSP receiver, in turn."""
    from bench.load import Connection

    routed = {
        "OCPI-to-country-code": "DE",
        "OCPI-to-party-id": "MS0",
        "OCPI-from-country-code": "NL",
        "OCPI-from-party-id": "CPO",
    }
    hub, direct = Connection(HUB, token), Connection(f"http://127.0.0.1:{RECEIVER_PORTS[0]}", token)
    body = json.dumps({"location_id": "L1"}).encode()
    via_hub, relayed, straight = [], [], []
    for _ in range(repetitions):
        for connection, path, sink, headers in (
            (hub, "/ocpi/2.2.1/sender/tokens/BENCH/authorize?type=RFID", via_hub, routed),
            (hub, "/relay-baseline/tokens/BENCH/authorize?type=RFID", relayed, {}),
            (direct, "/ocpi/emsp/tokens/BENCH/authorize?type=RFID", straight, {}),
        ):
            started = time.perf_counter()
            _status, payload, _ = connection.send("POST", path, body, headers)
            if b'"ALLOWED"' not in payload:
                return {"available": False, "answer": payload[:200].decode(errors="replace")}
            sink.append((time.perf_counter() - started) * 1000)
    return {
        "available": True,
        "hub_p50_ms": percentile(via_hub, 0.5),
        "hub_p99_ms": percentile(via_hub, 0.99),
        "relay_p50_ms": percentile(relayed, 0.5),
        "relay_p99_ms": percentile(relayed, 0.99),
        "direct_p50_ms": percentile(straight, 0.5),
        "direct_p99_ms": percentile(straight, 0.99),
        "added_p50_ms": percentile(via_hub, 0.5) - percentile(straight, 0.5),
        "added_p99_ms": percentile(via_hub, 0.99) - percentile(straight, 0.99),
        "relay_added_p50_ms": percentile(relayed, 0.5) - percentile(straight, 0.5),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4, help="threads per web worker")
    parser.add_argument(
        "--worker",
        action="append",
        metavar="ARGS",
        help="arguments of one `celery -A hub worker` (repeatable; replaces the recommended"
        " shape: a threads-pool deliveries worker per core and a background worker)",
    )
    parser.add_argument(
        "--only", choices=["push", "pull", "authorize"], help="run one part (for profiling)"
    )
    args = parser.parse_args()
    duration, repetitions = (4, 1) if args.quick else (8, 3)
    sustained = 15 if args.quick else 60
    pulls = (2_000, 10_000) if args.quick else (10_000, 100_000)

    results = {"hardware": hardware(), "quick": args.quick}
    prepare_database(ENV, DATABASE, REDIS_DB)
    bases = [f"http://127.0.0.1:{port}/ocpi/emsp" for port in RECEIVER_PORTS]
    token = seed_parties(ENV, bases)
    workers = args.worker or list(RECOMMENDED_WORKERS)
    stack = Stack(ENV, HUB_PORT, args.web_workers, args.web_threads, workers)
    for index, port in enumerate(RECEIVER_PORTS):
        stack.spawn(
            f"receiver{index}",
            [
                *(sys.executable, "-m", "granian", "--interface", "asgi", "--port", str(port)),
                *("--workers", "1", "--log-level", "warning", "bench.receiver:app"),
            ],
        )
    stack.start()
    for port in RECEIVER_PORTS:
        wait_for_port(port)
    try:
        if args.only in (None, "push"):
            _, warm_up = create_locations(token, 1, "WARMUP")
            wait_for_drain(warm_up, time.time() - 1)
            add_history(ENV["DATABASE_URL"])  # the delivery table of a hub that has run a while
            push_workloads(stack, results, token, duration, repetitions, sustained)
        if args.only in (None, "pull", "authorize"):
            progress("Authorization: through the hub vs direct")
            results["authorization"] = authorization(token)
        if args.only in (None, "pull"):
            results["W3"] = {}
            for total in pulls:
                progress(f"W3: storing {total:,} Locations and pulling them all")
                seed_stored_locations(total)
                hub_pull = pull_all(stack, token, "/ocpi/2.2.1/sender/locations")
                baseline_pull = pull_all(stack, token, "/baseline")
                results["W3"][str(total)] = {"hub": hub_pull, "baseline": baseline_pull}
    finally:
        stack.stop()
    report(results)


def push_workloads(stack, results, token, duration, repetitions, sustained):
    """W1, W2, the sustained run at half the W2 maximum and the offered-load sweep."""
    progress("W1: Location PUT, broadcast to 3 eMSPs")
    results["W1"] = workload(stack, "W1", token, duration, repetitions)
    progress("W2: preparing 1,000 Locations for EVSE status PATCHes")
    evses, seeded = create_locations(token, 1000, "W2L")
    wait_for_drain(seeded, time.time() - 1)
    progress("W2: EVSE status PATCH")
    results["W2"] = workload(stack, "W2", token, duration, repetitions, key_space=evses)
    half = results["W2"]["hub_rps"] / 2
    progress(f"Sustained: {half:.0f} PATCH/s (half the maximum) for {sustained} s")
    results["sustained"] = offered_load(token, half, sustained, evses)
    results["sweep"] = []
    for fraction in (0.25, 0.75, 1.0):
        rate = results["W2"]["hub_rps"] * fraction
        progress(f"Sweep: {rate:.0f} PATCH/s offered")
        results["sweep"].append(offered_load(token, rate, duration * 1.5, evses))
    results["sweep"].append(results["sustained"])
    results["sweep"].sort(key=lambda point: point["offered_rps"])


def report(results):
    from bench.report import write_report

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2))
    print(write_report(results, ROOT / "docs" / "performance-latency.svg"))


if __name__ == "__main__":
    main()
