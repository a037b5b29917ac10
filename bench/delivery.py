"""The delivery benchmark: broadcast fan-out to eMSP receivers that answer with real-world
latency, a receiver that hangs, and the exactness of what arrived.

    .venv/bin/python -m bench.delivery            # full evaluation, about 10 minutes on 2 cores
    .venv/bin/python -m bench.delivery --quick    # a smoke run, about 3 minutes
    .venv/bin/python -m bench.delivery --receivers 20 --receiver-latency-ms 100   # one scenario
    .venv/bin/python -m bench.delivery --receivers 3 --slow hang --rate 10        # and a hung one

Needs PostgreSQL and Redis on 127.0.0.1. Starts everything else itself, in the production
shape: the hub under granian (WSGI), Celery workers (`--worker`, repeatable) and beat, and the
receivers (`bench.receivers`, one asyncio process). Every scenario starts from an empty
database and broker. Writes bench/results/delivery-latest.json and docs/performance-delivery.svg.

A scenario offers Location PUTs to the hub (closed loop: as fast as it accepts them; or paced
at `--rate` PUTs/s), over a key space small enough that every Location is updated several
times; the hub broadcasts each to every receiver. It reports deliveries/s sustained while the
load ran, end-to-end latency (the CPO's `last_updated` stamp to the receiver's arrival) per
receiver, and exactness: missing (the newest accepted version never arrived), duplicates (one
version arrived twice) and out-of-order (an older version arrived after a newer one).

A held-backlog scenario (`--held`; in the full evaluation for 3 receivers, on both codes)
pauses the Celery workers (SIGSTOP) while new Locations are pushed, then resumes them: the
drain rate of that backlog is the delivery engine's own, where the closed loop shows no more
than the pushes the web accepts when an engine keeps up with them.
"""

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import psycopg

from bench import stack
from bench.load import Connection, closed_loop, paced, request_for
from bench.stack import percentile, progress

RESULTS = stack.ROOT / "bench" / "results"
CHART = stack.ROOT / "docs" / "performance-delivery.svg"
WARMUP_S = 2  # deliveries in the first seconds of a load are not counted as sustained
DRAIN_MEASURED = 50  # a drain rate is reported from this many deliveries after the load
LATENCIES_MS = (0, 50, 100, 200)
RECEIVER_COUNTS = (3, 20)


@dataclass
class Scenario:
    """One measured run: `receivers` healthy receivers, optionally one slow one besides."""

    receivers: int
    latency_ms: float
    duration_s: float
    rate: float | None = None  # Location PUTs/s offered; None: closed loop
    slow: str | None = None  # "hang" (until the hub times out) or "delay"
    slow_delay_ms: float = 5000
    drain_s: float = 20  # after the load, how long the newest versions may stop arriving
    recovery_s: float = 120  # longest wait for the slow receiver once it answers again
    code: str = "current"  # or the baseline ref's code
    # The workers are paused during the load (a new Location each push) and resumed after it:
    # the backlog's drain is the delivery engine's own rate, with no pushes competing for the
    # CPU and none of the backlog coalesced.
    held: bool = False

    def title(self) -> str:
        load = f"{self.rate:.3g} PUT/s" if self.rate else "closed loop"
        if self.held:
            load = "backlog held, then drained"
        slow = f" + 1 {self.slow}" if self.slow else ""
        return f"{self.receivers} receivers{slow} at {self.latency_ms:g} ms, {load}"


class Bench:
    """The receivers process and the hub stack for one code version, scenario after scenario."""

    def __init__(self, args):
        self.args = args
        self.port, self.control_port = args.port, args.port + 9
        self.first_receiver_port = args.port + 10
        self.roots = {"current": stack.ROOT}
        self.env = self.env_for("current")
        self.receivers_process = stack.Stack(self.env, self.control_port)  # spawn/stop only

    def __enter__(self):
        self.receivers_process.spawn(
            "receivers",
            [
                sys.executable,
                "-m",
                "bench.receivers",
                "--first-port",
                str(self.first_receiver_port),
                "--count",
                str(max(*RECEIVER_COUNTS, self.args.receivers or 0) + 1),
                "--control-port",
                str(self.control_port),
            ],
        )
        stack.wait_for_port(self.control_port)
        stack.prepare_database(self.env, self.args.database, self.args.redis_db, template=True)
        return self

    def __exit__(self, *exc):
        self.receivers_process.stop(grace=5)
        for code, root in self.roots.items():
            if code != "current" or root != stack.ROOT:  # an exported copy, not this tree
                shutil.rmtree(root.parent, ignore_errors=True)

    def add_code(self, code: str, ref: str):
        """The code at `ref`, exported, with its own migrated database: "current" is the code
        under test, "baseline" the code it is compared with in the same run."""
        root = stack.export_code(ref, Path(tempfile.mkdtemp(prefix=f"bench-{code}-")) / "code")
        self.roots[code] = root
        stack.prepare_database(
            self.env_for(code), self.database(code), self.args.redis_db, True, root
        )

    def database(self, code: str) -> str:
        return self.args.database if code == "current" else f"{self.args.database}_base"

    def env_for(self, code: str) -> dict:
        env = stack.hub_env(self.database(code), self.args.redis_db, self.port, {})
        return {**env, **dict(self.args.hub_env)}

    def workers(self, code: str) -> list[str]:
        """The worker shape of that code: its queues may differ from the code under test's."""
        if code == "current":
            return self.args.worker or default_workers(self.args)
        return self.args.baseline_worker or list(stack.DEFAULT_WORKERS)

    def control(self, method: str, path: str, body: dict | None = None):
        connection = Connection(f"http://127.0.0.1:{self.control_port}", "-")
        _status, payload, _ = connection.send(
            method, path, json.dumps(body).encode() if body is not None else None
        )
        return json.loads(payload)

    def run(self, scenario: Scenario) -> dict:
        code, env = scenario.code, self.env_for(scenario.code)
        stack.reset_database(env, self.database(code), self.args.redis_db)
        count = scenario.receivers + (1 if scenario.slow else 0)
        bases = [
            f"http://127.0.0.1:{self.first_receiver_port + index}/ocpi/emsp"
            for index in range(count)
        ]
        token = stack.seed_parties(env, bases, self.roots[code])
        if self.args.max_in_flight:  # what an operator sets per platform in the admin
            with psycopg.connect(env["DATABASE_URL"], autocommit=True) as connection:
                connection.execute(
                    "UPDATE parties_platform SET max_in_flight = %s", [self.args.max_in_flight]
                )
        healthy = {
            str(i): {"latency_ms": scenario.latency_ms, "mode": "normal"} for i in range(count)
        }
        self.control("POST", "/configure", healthy)
        hub = stack.Stack(
            env,
            self.port,
            self.args.web_workers,
            self.args.web_threads,
            self.workers(code),
            self.roots[code],
        )
        progress(f"{scenario.title()} ({code} code)")
        hub.start()
        try:
            self.warm_up(token, count)
            stack.add_history(env["DATABASE_URL"])
            if scenario.slow:
                slow = {"latency_ms": scenario.slow_delay_ms, "mode": "normal"}
                if scenario.slow == "hang":
                    slow = {"mode": "hang"}
                self.control("POST", "/configure", {str(scenario.receivers): slow})
            self.control("POST", "/reset")
            started = time.time()
            with hub.workers_held() if scenario.held else contextlib.nullcontext():
                try:
                    accepted, sent = self.load(token, scenario)
                finally:
                    stopped = time.time()
                    if scenario.held:  # the backlog in the statistics, as autovacuum would put it
                        stack.analyze(env["DATABASE_URL"])
                    busy_before = stack.busy_cpu_seconds()
            load_average = os.getloadavg()[0]
            newest = newest_versions(sent)
            drained = self.wait_until_arrived(newest, range(scenario.receivers), scenario.drain_s)
            drain_cpu_s = stack.busy_cpu_seconds() - busy_before
            recovered = None
            if scenario.slow:
                self.control("POST", "/configure", {str(scenario.receivers): healthy["0"]})
                recovered = self.wait_until_arrived(
                    newest, [scenario.receivers], scenario.recovery_s
                )
            snapshot = self.control("GET", "/stats")
        finally:
            hub.stop(grace=5)
        result = analyse(snapshot[:count], newest, started, stopped, scenario.receivers)
        return {
            "scenario": asdict(scenario),
            "accepted": accepted,
            "accepted_per_s": accepted / (stopped - started),
            "drained_s": drained,
            # The machine's busy CPU from the stop to the end of the drain: with the workers
            # held during the load, what delivering the backlog cost (receivers and PostgreSQL
            # included, the same for every code).
            "drain_cpu_s": drain_cpu_s if scenario.held else None,
            "slow_recovered_s": recovered,
            # The machine's 1-minute load average at the end of the load: other work on it
            # shows here (2 cores: above 2, processes wait for a CPU).
            "load_average": load_average,
            **result,
        }

    def warm_up(self, token: str, count: int, timeout: float = 60):
        """One push reaches every receiver: the workers are up and consuming."""
        method, path, body = request_for("W1", "WARMUP", 0)
        Connection(f"http://127.0.0.1:{self.port}", token).send(method, path, body)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self.control("GET", "/latest")[:count]):
                return
            time.sleep(0.5)
        raise RuntimeError("the warm-up push did not reach every receiver: is a worker running?")

    def load(self, token: str, scenario: Scenario) -> tuple[int, dict]:
        hub = f"http://127.0.0.1:{self.port}"
        if scenario.held:  # a new Location each push: a backlog nothing supersedes
            latencies, sent, failed = closed_loop(hub, token, "W1", scenario.duration_s)
        elif scenario.rate is None:
            keys = [f"FO{number}" for number in range(300)]
            latencies, sent, failed = closed_loop(
                hub, token, "W1", scenario.duration_s, key_space=keys
            )
        else:
            threads = max(1, min(16, int(scenario.rate)))
            versions = 5  # every Location updated about this many times
            total = max(2 * threads, int(scenario.rate * scenario.duration_s / versions))
            keys = [f"FO{number}" for number in range(total)]
            latencies, sent, failed = paced(
                hub, token, "W1", scenario.rate, scenario.duration_s, keys, threads=threads
            )
        return len(latencies) - failed, sent

    def wait_until_arrived(self, newest: dict, receivers, timeout: float) -> float | None:
        """Seconds until those receivers hold the newest version of every object, or None
        when `timeout` seconds went by without one more arriving (a backlog that is still
        going out is waited for, up to GIVE_UP_AFTER_S): what is missing then never came."""
        started = last_progress = time.monotonic()
        fewest = None
        while time.monotonic() - last_progress < timeout:
            if time.monotonic() - started > GIVE_UP_AFTER_S:
                return None
            latest = self.control("GET", "/latest")
            left = sum(behind(newest, latest[index]) for index in receivers)
            if left == 0:
                return time.monotonic() - started
            if fewest is None or left < fewest:
                fewest, last_progress = left, time.monotonic()
            time.sleep(1)
        return None


GIVE_UP_AFTER_S = 180


def newest_versions(sent: dict) -> dict[str, float]:
    """{object path at the receiver: newest accepted last_updated} from the load's record."""
    return {
        path.split("/locations/", 1)[1]: datetime.fromisoformat(last_updated).timestamp()
        for path, last_updated in sent.items()
    }


def behind(newest: dict[str, float], latest: dict[str, float]) -> int:
    """Objects whose newest accepted version has not arrived."""
    return sum(1 for key, version in newest.items() if latest.get(key, 0.0) < version)


def analyse(snapshot, newest, started, stopped, healthy_count) -> dict:
    """Per receiver: deliveries, latency, exactness; totals for the healthy ones."""
    window = max(stopped - started - WARMUP_S, 1e-9)
    receivers = []
    for index, receiver in enumerate(snapshot):
        seen, latest_by_stop, highest = set(), {}, {}
        duplicates = out_of_order = sustained = 0
        latencies = []
        for _sequence, arrival, key, version in sorted(receiver["records"]):
            if (key, version) in seen:
                duplicates += 1
            elif version < highest.get(key, 0.0):
                out_of_order += 1
            seen.add((key, version))
            highest[key] = max(version, highest.get(key, 0.0))
            if arrival <= stopped:
                latest_by_stop[key] = highest[key]
            if started + WARMUP_S <= arrival <= stopped:
                sustained += 1
            latencies.append((arrival - version) * 1000)
        receivers.append(
            {
                "healthy": index < healthy_count,
                "latency_ms": receiver["latency_ms"],
                "deliveries": len(receiver["records"]),
                "deliveries_per_s": sustained / window,
                "e2e_p50_ms": percentile(latencies, 0.5),
                "e2e_p99_ms": percentile(latencies, 0.99),
                "behind_at_stop": behind(newest, latest_by_stop),
                "missing": behind(newest, highest),
                "duplicates": duplicates,
                "out_of_order": out_of_order,
                "abandoned": receiver["abandoned"],
                "most_in_flight": receiver["most_in_flight"],
                "e2e_ms": latencies if index < healthy_count else [],
            }
        )
    healthy = [receiver for receiver in receivers if receiver["healthy"]]
    every_latency = [ms for receiver in healthy for ms in receiver.pop("e2e_ms")]
    draining = [
        arrival
        for receiver in snapshot[:healthy_count]
        for _sequence, arrival, _key, _version in receiver["records"]
        if arrival > stopped
    ]
    for receiver in receivers:
        receiver.pop("e2e_ms", None)
    return {
        "deliveries_per_s": sum(receiver["deliveries_per_s"] for receiver in receivers),
        # The backlog left at the stop, delivered without the load competing for the CPU.
        "drain_per_s": (
            len(draining) / (max(draining) - stopped) if len(draining) >= DRAIN_MEASURED else None
        ),
        "healthy_e2e_p50_ms": percentile(every_latency, 0.5),
        "healthy_e2e_p99_ms": percentile(every_latency, 0.99),
        "behind_at_stop": sum(receiver["behind_at_stop"] for receiver in receivers),
        "missing": sum(receiver["missing"] for receiver in receivers),
        "duplicates": sum(receiver["duplicates"] for receiver in receivers),
        "out_of_order": sum(receiver["out_of_order"] for receiver in receivers),
        "receivers": receivers,
    }


def evaluate(bench: Bench, quick: bool, only: str | None) -> dict:
    """The sweep, the half-rate run and the isolation pair; the issue's targets from them."""
    duration, drain = (5, 10) if quick else (10, 20)
    latencies = (0, 100) if quick else LATENCIES_MS
    results: dict = {"sweep": [], "baseline_code": [], "held": []}

    def measure(scenario: Scenario) -> dict:
        outcome = bench.run(scenario)
        save({**results, "partial": True})  # a failure later keeps what was measured
        return outcome

    if only in (None, "sweep"):
        for receivers in RECEIVER_COUNTS:
            for latency in latencies:
                scenario = Scenario(receivers, latency, duration, drain_s=drain)
                results["sweep"].append(measure(scenario))
        if "baseline" in bench.roots:
            for receivers in RECEIVER_COUNTS:
                scenario = Scenario(receivers, 0, duration, drain_s=drain, code="baseline")
                results["baseline_code"].append(measure(scenario))
            # The closed loop offers only what the web accepts: an engine that keeps up shows
            # that rate, not its own. A held backlog measures both engines alone.
            for code in ("current", "baseline"):
                scenario = Scenario(3, 0, duration, drain_s=drain, code=code, held=True)
                results["held"].append(measure(scenario))
        rate = half_rate(results["sweep"], 20)
        progress(f"Half rate: {rate:.2f} PUT/s to 20 receivers at 100 ms")
        results["half_rate"] = measure(Scenario(20, 100, 2 * duration, rate=rate, drain_s=drain))
    if only in (None, "isolation"):
        rate = half_rate(results["sweep"], 3) if results["sweep"] else 10
        for slow in (None, "hang"):
            scenario = Scenario(3, 100, 2 * duration, rate=rate, slow=slow, drain_s=drain)
            results["isolation_" + (slow or "none")] = measure(scenario)
    return results


def save(results: dict):
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "delivery-latest.json").write_text(json.dumps(results, indent=1))


def half_rate(sweep: list[dict], receivers: int) -> float:
    """Half the sustained deliveries/s at 100 ms, as Location PUTs/s to `receivers` receivers."""
    point = find(sweep, receivers, 100)
    return max(0.2, 0.5 * point["deliveries_per_s"] / receivers)


def find(points: list[dict], receivers: int, latency: float) -> dict:
    return next(
        point
        for point in points
        if point["scenario"]["receivers"] == receivers
        and point["scenario"]["latency_ms"] == latency
    )


def met(condition: bool) -> str:
    return "met" if condition else "NOT met"


def targets(results: dict, before: dict | None) -> list[str]:
    """Issue 11's targets, each with the figure it is measured against."""
    lines = ["| target | figure | baseline (same run) | ratio | |", "|---|---|---|---|---|"]
    sweep = results.get("sweep")
    if sweep:
        slow, fast = find(sweep, 20, 100), find(sweep, 20, 0)
        ratio = slow["deliveries_per_s"] / max(fast["deliveries_per_s"], 1e-9)
        lines.append(
            f"| latency tolerance: 20 receivers at 100 ms >= 0.8 x at 0 ms "
            f"| {slow['deliveries_per_s']:.0f}/s | {fast['deliveries_per_s']:.0f}/s "
            f"| {ratio:.2f} | {met(ratio >= 0.8)} |"
        )
        half = results["half_rate"]
        lines.append(
            f"| p99 <= 1 s at half that rate ({half['scenario']['rate']:.1f} PUT/s x 20) "
            f"| p99 {half['healthy_e2e_p99_ms']:.0f} ms | | "
            f"| {met(half['healthy_e2e_p99_ms'] <= 1000)} |"
        )
        for old in results.get("baseline_code", []):
            receivers = old["scenario"]["receivers"]
            new = find(sweep, receivers, 0)
            ratio = new["deliveries_per_s"] / max(old["deliveries_per_s"], 1e-9)
            lines.append(
                f"| CPU cost: {receivers} receivers at 0 ms >= 2 x the baseline code "
                f"| {new['deliveries_per_s']:.0f}/s | {old['deliveries_per_s']:.0f}/s "
                f"| {ratio:.2f} | {met(ratio >= 2)} |"
            )
        held = {run["scenario"]["code"]: run for run in results.get("held", [])}
        if {"current", "baseline"} <= set(held):
            new, old = (per_cpu_second(held[code]) for code in ("current", "baseline"))
            lines.append(
                f"| CPU cost: 3 receivers at 0 ms, a held backlog drained: deliveries per busy "
                f"CPU-second >= 2 x the baseline code | {new:.0f} | {old:.0f} | {new / old:.2f} "
                f"| {met(new >= 2 * old)} |"
            )
        if before and before.get("sweep") and not results.get("baseline_code"):
            new, old = find(sweep, 3, 0), find(before["sweep"], 3, 0)
            ratio = new["deliveries_per_s"] / max(old["deliveries_per_s"], 1e-9)
            lines.append(
                f"| CPU cost: 3 receivers at 0 ms >= 2 x the earlier results (another run) "
                f"| {new['deliveries_per_s']:.0f}/s | ({old['deliveries_per_s']:.0f}/s) "
                f"| {ratio:.2f} | {met(ratio >= 2)} |"
            )
    if "isolation_hang" in results:
        alone, hung = results["isolation_none"], results["isolation_hang"]
        ratio = hung["healthy_e2e_p99_ms"] / max(alone["healthy_e2e_p99_ms"], 1e-9)
        lines.append(
            f"| isolation: healthy p99 with 1 hanging receiver <= 1.5 x without "
            f"| {hung['healthy_e2e_p99_ms']:.0f} ms | {alone['healthy_e2e_p99_ms']:.0f} ms "
            f"| {ratio:.2f} | {met(ratio <= 1.5)} |"
        )
    # Exactness is the code under test's: the baseline code's runs show theirs in the table.
    runs = [run for run in every_run(results) if run["scenario"]["code"] == "current"]
    undrained = sum(1 for run in runs if run["drained_s"] is None)
    for name in ("missing", "duplicates", "out_of_order"):
        total = sum(run[name] for run in runs)
        note = f" ({undrained} runs had not drained in time)" if name == "missing" and total else ""
        lines.append(
            f"| exactness: {name.replace('_', '-')} = 0 in every run | {total}{note} "
            f"| | | {met(total == 0)} |"
        )
    return lines


def default_workers(args) -> list[str]:
    """The recommended shape for this tree; an older ref's queues may differ: Celery's default."""
    return list(stack.DEFAULT_WORKERS if args.ref else stack.RECOMMENDED_WORKERS)


def per_cpu_second(run: dict) -> float:
    """Deliveries of a held backlog per second of busy CPU while it drained."""
    delivered = sum(receiver["deliveries"] for receiver in run["receivers"] if receiver["healthy"])
    return delivered / max(run["drain_cpu_s"], 1e-9)


def every_run(results: dict) -> list[dict]:
    runs = [*results.get("sweep", []), *results.get("baseline_code", []), *results.get("held", [])]
    runs += [
        results.get(key) for key in ("half_rate", "isolation_none", "isolation_hang", "single")
    ]
    return [run for run in runs if isinstance(run, dict)]


def run_rows(runs: list[dict]) -> list[str]:
    lines = [
        "| run | accepted PUT/s | offered / delivered per s | drain per s "
        "| healthy e2e p50 / p99 ms | behind at stop "
        "| drained after | missing / dup / out-of-order | most in flight per receiver "
        "| load average |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        scenario = Scenario(**run["scenario"])
        count = scenario.receivers + (1 if scenario.slow else 0)
        drained = (
            f"stalled ({scenario.drain_s:g} s without an arrival)"
            if run["drained_s"] is None
            else f"{run['drained_s']:.0f} s"
        )
        if scenario.slow:
            recovered = run["slow_recovered_s"]
            drained += "; slow one " + (
                f"{recovered:.0f} s after it recovered" if recovered is not None else "never"
            )
        lines.append(
            f"| {scenario.title()}{' (baseline code)' if scenario.code != 'current' else ''} "
            f"| {run['accepted_per_s']:.1f} "
            f"| {run['accepted_per_s'] * count:.0f} / {run['deliveries_per_s']:.0f} "
            f"| {'' if run.get('drain_per_s') is None else f'{run["drain_per_s"]:.0f}'} "
            f"| {run['healthy_e2e_p50_ms']:.0f} / {run['healthy_e2e_p99_ms']:.0f} "
            f"| {run['behind_at_stop']} | {drained} "
            f"| {run['missing']} / {run['duplicates']} / {run['out_of_order']} "
            f"| {max(receiver['most_in_flight'] for receiver in run['receivers'])} "
            f"| {run.get('load_average', float('nan')):.1f} |"
        )
    return lines


def per_receiver_rows(run: dict) -> list[str]:
    lines = [
        "| receiver | deliveries | e2e p50 / p99 ms | missing / dup / out-of-order | abandoned |",
        "|---|---|---|---|---|",
    ]
    for index, receiver in enumerate(run["receivers"]):
        kind = "healthy" if receiver["healthy"] else "slow"
        lines.append(
            f"| {index} ({kind}) | {receiver['deliveries']} "
            f"| {receiver['e2e_p50_ms']:.0f} / {receiver['e2e_p99_ms']:.0f} "
            f"| {receiver['missing']} / {receiver['duplicates']} / {receiver['out_of_order']} "
            f"| {receiver['abandoned']} |"
        )
    return lines


def chart(results: dict, before: dict | None) -> str:
    """An SVG line chart of deliveries/s against receiver latency (no plotting library)."""
    series = [
        (f"{count} receivers", find_all(results["sweep"], count), "") for count in RECEIVER_COUNTS
    ]
    if before and before.get("sweep"):
        series += [
            (f"{count} receivers, before", find_all(before["sweep"], count), "6,4")
            for count in RECEIVER_COUNTS
        ]
    colours = {"3": "#1f77b4", "20": "#d62728"}
    width, height, margin = 640, 380, 64
    max_y = max(rate for _, points, _ in series for _, rate in points) * 1.1 or 1
    max_x = max(LATENCIES_MS)

    def xy(latency, rate):
        x = margin + (width - 2 * margin) * latency / max_x
        y = height - margin - (height - 2 * margin) * rate / max_y
        return x, y

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>',
        f'<line x1="{margin}" y1="{height - margin}" x2="{width - margin}" y2="{height - margin}" '
        f'stroke="black"/><line x1="{margin}" y1="{margin}" x2="{margin}" y2="{height - margin}" '
        f'stroke="black"/>',
    ]
    for latency in LATENCIES_MS:
        x, _ = xy(latency, 0)
        parts.append(
            f'<text x="{x:.0f}" y="{height - margin + 18}" font-size="11" text-anchor="middle">'
            f"{latency}</text>"
        )
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        _, y = xy(0, max_y * fraction / 1.1)
        parts.append(
            f'<text x="{margin - 6}" y="{y + 4:.0f}" font-size="11" text-anchor="end">'
            f"{max_y * fraction / 1.1:.0f}</text>"
        )
    for row, (label, points, dash) in enumerate(series):
        colour = colours[label.split()[0]]
        coordinates = " ".join("{:.1f},{:.1f}".format(*xy(*point)) for point in points)
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
            f'stroke-dasharray="{dash or "none"}" points="{coordinates}"/>'
        )
        for latency, rate in points:
            x, y = xy(latency, rate)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        parts.append(
            f'<line x1="{width - margin - 150}" y1="{margin + 14 * row - 4}" '
            f'x2="{width - margin - 125}" y2="{margin + 14 * row - 4}" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="{dash or "none"}"/>'
            f'<text x="{width - margin - 120}" y="{margin + 14 * row}" font-size="11">'
            f"{label}</text>"
        )
    parts.append(
        f'<text x="{width / 2}" y="{height - 18}" font-size="12" text-anchor="middle">'
        f"receiver answer latency, ms</text>"
        f'<text x="16" y="{height / 2}" font-size="12" transform="rotate(-90 16 {height / 2})" '
        f'text-anchor="middle">deliveries per second (sustained, all receivers)</text></svg>'
    )
    return "".join(parts)


def find_all(points: list[dict], receivers: int) -> list[tuple[float, float]]:
    return sorted(
        (point["scenario"]["latency_ms"], point["deliveries_per_s"])
        for point in points
        if point["scenario"]["receivers"] == receivers
    )


def report(results: dict, before: dict | None) -> str:
    hardware = results["hardware"]
    lines = [
        f"Hardware: {hardware['cpu']}, {hardware['cores']} cores, {hardware['memory_gib']} GiB, "
        f"Python {hardware['python']}" + (" (quick run)" if results.get("quick") else ""),
        f"Workers: {' | '.join(results['workers'])}"
        + (f"; ref {results['ref']}" if results.get("ref") else "")
        + (
            f"; {results['max_in_flight']} in flight per platform"
            if results.get("max_in_flight")
            else ""
        ),
        *(
            [
                f"Baseline code: {results['baseline_ref']}, workers: "
                + " | ".join(results["baseline_workers"])
            ]
            if results.get("baseline_ref")
            else []
        ),
        "",
        *run_rows(every_run(results)),
    ]
    for key in ("isolation_hang", "single"):
        if key in results and results[key]["scenario"]["slow"]:
            lines += ["", f"Per receiver, {Scenario(**results[key]['scenario']).title()}:", ""]
            lines += per_receiver_rows(results[key])
    if "single" not in results:
        lines += ["", *targets(results, before)]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--only", choices=["sweep", "isolation"], help="one part of the evaluation")
    parser.add_argument("--receivers", type=int, help="run one scenario with this many receivers")
    parser.add_argument("--receiver-latency-ms", type=float, default=100)
    parser.add_argument("--slow", choices=["hang", "delay"], help="one slow receiver besides")
    parser.add_argument("--slow-delay-ms", type=float, default=5000)
    parser.add_argument("--rate", type=float, help="Location PUTs/s offered (default closed loop)")
    parser.add_argument(
        "--held", action="store_true", help="hold the workers during the load; time the drain"
    )
    parser.add_argument("--duration", type=float, default=15, help="seconds of load (one scenario)")
    parser.add_argument(
        "--worker",
        action="append",
        metavar="ARGS",
        help="arguments of one `celery -A hub worker` (repeatable); default: the recommended "
        f"shape, {' | '.join(stack.RECOMMENDED_WORKERS)} (with --ref: Celery's default pool)",
    )
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument(
        "--max-in-flight", type=int, help="every platform's in-flight limit (default: the hub's)"
    )
    parser.add_argument(
        "--hub-env",
        action="append",
        default=[],
        type=lambda pair: tuple(pair.split("=", 1)),
        metavar="NAME=VALUE",
        help="a setting for the hub's processes (repeatable)",
    )
    parser.add_argument(
        "--baseline-ref", help="also measure fan-out at 0 ms on the code of this git ref"
    )
    parser.add_argument(
        "--baseline-worker",
        action="append",
        metavar="ARGS",
        help="the baseline code's worker shape, as --worker (default: the default shape)",
    )
    parser.add_argument("--ref", help="measure the code of this git ref (default: this tree)")
    parser.add_argument("--before", type=Path, help="earlier results to draw beside these")
    parser.add_argument(
        "--report", type=Path, metavar="RESULTS", help="print saved results (and redraw the chart)"
    )
    parser.add_argument("--database", default="hub_bench_delivery")
    parser.add_argument("--redis-db", type=int, default=10)
    parser.add_argument("--port", type=int, default=8831, help="the hub's; receivers above it")
    args = parser.parse_args()
    before = json.loads(args.before.read_text()) if args.before else None
    if args.report:
        publish(json.loads(args.report.read_text()), before)
        return

    results = {
        "hardware": stack.hardware(),
        "quick": args.quick,
        "workers": args.worker or default_workers(args),
        "max_in_flight": args.max_in_flight,
        "baseline_workers": args.baseline_worker or list(stack.DEFAULT_WORKERS),
        "hub_env": dict(args.hub_env),
        "ref": args.ref,
        "baseline_ref": args.baseline_ref,
    }
    with Bench(args) as bench:
        if args.ref:
            progress(f"Code under test: {args.ref}")
            bench.add_code("current", args.ref)
        if args.receivers:
            scenario = Scenario(
                args.receivers,
                args.receiver_latency_ms,
                args.duration,
                rate=args.rate,
                slow=args.slow,
                slow_delay_ms=args.slow_delay_ms,
                held=args.held,
            )
            results["single"] = bench.run(scenario)
        else:
            if args.baseline_ref:
                progress(f"Baseline code: {args.baseline_ref}")
                bench.add_code("baseline", args.baseline_ref)
            results.update(evaluate(bench, args.quick, args.only))
    save(results)
    publish(results, before)


def publish(results: dict, before: dict | None):
    if results.get("sweep"):
        CHART.write_text(chart(results, before))
    print(report(results, before))


if __name__ == "__main__":
    main()
