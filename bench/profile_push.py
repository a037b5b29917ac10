"""In-process cost of one push: W1 Location PUT, W2 EVSE PATCH and the storage baseline,
through the hub's WSGI application (hub.wsgi, as granian calls it) against the database of
DATABASE_URL, one thread, no network.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_profile \\
        .venv/bin/python -m bench.profile_push [--requests 400] [--rounds 1] [--cprofile W1]

Prints CPU µs per request (with --rounds, the least of that many alternate runs: on a shared
machine the least is the figure other load inflates least), the CPU of the PostgreSQL server
process serving it (when PostgreSQL runs on this machine) and SQL statements per request;
`--cprofile` adds the functions where one workload's time goes. The database is flushed
first: never point it at data that matters. Wake-ups go to CELERY_BROKER_URL (no worker needed).
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import threading
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def setup() -> str:
    """Migrate and flush the database; a CPO and three eMSPs; returns the CPO's header."""
    import django

    django.setup()
    from bench.inprocess import authorization_header, connected_party, fresh_database

    fresh_database()
    cpo = connected_party("cpo", "NL", "CPO", "CPO")
    for index in range(3):
        url = f"http://127.0.0.1:{8821 + index}/ocpi/emsp/locations"
        connected_party(f"emsp{index}", "DE", f"MS{index}", "EMSP", ("locations", "RECEIVER", url))
    return authorization_header(cpo)


KINDS = ("W1", "W2", "W1-baseline")


def requests_of(kind: str, count: int, prefix: str = "P"):
    """(method, path, body) of `count` requests of a workload (W1: new ids after `prefix`)."""
    from bench.load import request_for

    if kind.startswith("W1"):
        return [request_for(kind, f"{prefix}{kind}-{n}", n) for n in range(count)]
    # W2: the EVSEs of 100 Locations stored by the W1 warm-up
    keys = [f"PW1-{n % 100}/PW1-{n % 100}-E{1 + n % 2}" for n in range(count)]
    return [request_for(kind, key, n) for n, key in enumerate(keys)]


def environ_of(method: str, path: str, body, header: str) -> dict:
    body = body.encode() if isinstance(body, str) else body
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8811",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": header,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
    }


def database_cpu() -> float | None:
    """CPU seconds so far of the PostgreSQL server process serving this connection (None when
    it is not a local PostgreSQL process this user may read)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    try:
        with open(f"/proc/{connection.connection.info.backend_pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def run(application, header, requests) -> tuple[list[float], float]:
    """Wall µs of each request, and this process's CPU µs per request."""
    timings = []
    cpu_started = time.process_time()
    thread_started = time.thread_time()
    for method, path, body in requests:
        started = time.perf_counter()
        answer = application(environ_of(method, path, body, header), lambda *_: None)
        content = b"".join(answer)
        answer.close()
        timings.append((time.perf_counter() - started) * 1e6)
        if b'"status_code":1000' not in content:
            raise RuntimeError(f"{method} {path}: {content[:300]!r}")
    if threading.active_count() > 1:  # the figure below would include other threads' CPU
        mine = time.thread_time() - thread_started
        print(f"  ({threading.active_count()} threads; this one {mine:.2f} s)")
    return timings, (time.process_time() - cpu_started) * 1e6 / len(requests)


# Where a push's CPU goes: (part, functions whose cumulative time it is, functions inside them
# counted in another part). Functions are matched by "file:function" suffix.
PARTS = [
    ("authentication (token, platform, parties)", ["authentication.py:authenticate"], []),
    ("rate limit (Redis)", ["throttling.py:allow_request"], []),
    (
        "routing headers, sending party",
        ["hub/views.py:initial"],
        ["rest_framework/views.py:initial"],
    ),
    ("validation", ["serializers.py:validate_object"], []),
    ("receivers query (built, not run)", ["delivery.py:audience"], []),
    ("read the stored Location (W2; locked elsewhere)", ["actions.py:_stored"], []),
    ("the Location's new columns", ["actions.py:_save"], []),
    ("write Location, Message, Deliveries (one stmt)", ["delivery.py:enqueue"], []),
    ("COMMIT", ["base/base.py:commit"], []),
    ("wake-up after commit (Redis)", ["delivery.py:wake"], []),
    (
        "response: envelope, render, headers",
        ["hub/views.py:finalize_response", "responses.py:ocpi_response"],
        [],
    ),
]


def breakdown(stats: pstats.Stats, cpu_per_request: float) -> None:
    """Print µs per request of each part: its share of the profile times the unprofiled CPU."""
    cumulative: dict[str, float] = {}
    for (filename, _line, function), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        cumulative[f"{filename}:{function}"] = cumulative.get(f"{filename}:{function}", 0) + ct

    def total(suffixes):
        return sum(time_ for key, time_ in cumulative.items() if key.endswith(tuple(suffixes)))

    whole = total(["profile_push.py:run"])
    view = total(["generic/base.py:view"])  # the view, DRF's dispatch around it included
    accounted = 0.0
    print(f"{'part':45} µs per request")
    for name, inside, minus in PARTS:
        share = (total(inside) - total(minus)) / whole
        accounted += share
        print(f"{name:45} {share * cpu_per_request:6.0f}")
    for name, share in (
        ("the rest of the view and DRF's dispatch", view / whole - accounted),
        (
            "Django's handler and the middleware",
            (total(["handlers/wsgi.py:__call__"]) - view) / whole,
        ),
        ("outside the application (this driver)", 1 - total(["handlers/wsgi.py:__call__"]) / whole),
    ):
        print(f"{name:45} {share * cpu_per_request:6.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=1, help="figures: the least of each")
    parser.add_argument("--cprofile", choices=["W1", "W2", "W1-baseline"])
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="cumulative", help="pstats order, e.g. tottime")
    parser.add_argument("--breakdown", action="store_true", help="µs per part of the push")
    args = parser.parse_args()
    header = setup()
    from django.db import connection

    from hub.wsgi import application as client  # as the server calls it

    statements = []
    connection.execute_wrappers.append(lambda execute, *a: statements.append(1) or execute(*a))
    run(client, header, requests_of("W1", 100))  # warm-up; W2 patches these Locations
    cpu_of: dict[str, list[float]] = {kind: [] for kind in KINDS}
    database_cpu_of: dict[str, list[float]] = {kind: [] for kind in KINDS}
    wall_of: dict[str, list[float]] = {kind: [] for kind in KINDS}
    counted = {}
    for round_ in range(args.rounds):  # alternately, so that other load spreads evenly
        for kind in KINDS:
            batch = requests_of(kind, args.requests, prefix=f"Q{round_}-")  # new ids
            statements.clear()
            database_before = database_cpu()
            timings, cpu = run(client, header, batch)
            cpu_of[kind].append(cpu)
            if database_before is not None:
                used = database_cpu() - database_before
                database_cpu_of[kind].append(used * 1e6 / len(batch))
            wall_of[kind].extend(timings)
            counted[kind] = len(statements) / len(batch)
    for kind in KINDS:
        best = min(cpu_of[kind])
        print(
            f"{kind:12} CPU {best:6.0f} µs per request (least of {args.rounds} rounds; "
            f"{best / min(cpu_of['W1-baseline']):.2f} x the baseline), wall median "
            f"{statistics.median(wall_of[kind]):6.0f} µs, "
            f"{counted[kind]:.1f} SQL statements per request"
            + (
                f", PostgreSQL CPU {min(database_cpu_of[kind]):5.0f} µs"
                if database_cpu_of[kind]
                else ""
            )
        )
    cpu_of = {kind: min(values) for kind, values in cpu_of.items()}
    if args.cprofile:
        batch = requests_of(args.cprofile, args.requests, prefix="R")
        profiler = cProfile.Profile(time.thread_time)  # CPU, not waiting on the database
        profiler.enable()
        run(client, header, batch)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(args.sort)
        if args.breakdown:
            breakdown(stats, cpu_of[args.cprofile])
            return
        stats.print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
