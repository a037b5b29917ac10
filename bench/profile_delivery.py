"""In-process cost of one delivery: a worker's CPU and SQL statements per push sent, against
fast receivers on 127.0.0.1 (`bench.receivers`, started here in a process of its own).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_profile_delivery \\
        .venv/bin/python -m bench.profile_delivery [--receivers 3 20] [--messages 400] \\
        [--port 8951] [--receiver-latency-ms 100] [--cprofile]

For each receiver count it seeds `--messages` Location PUTs broadcast to every receiver (one
Delivery per message and receiver, pending), then drains every receiver with the real
`hub.delivery.drain`, one thread per receiver as the threads-pool worker runs them, and prints
this process's CPU µs per delivery, the machine's (this process, the receivers, PostgreSQL and
anything else running) and SQL statements per delivery. Wake-ups are not sent (no worker
runs). The database is flushed first: never point it at data that matters.
"""

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def setup(receivers: int, first_port: int) -> tuple:
    """Flush the database; a CPO and `receivers` eMSPs whose locations RECEIVER is on
    `first_port + i`. Returns (cpo party, receiving party ids)."""
    from django.core.management import call_command

    from bench.inprocess import connected_party

    call_command("flush", interactive=False, verbosity=0)
    cpo = connected_party("cpo", "NL", "CPO", "CPO")
    ids = []
    for index in range(receivers):
        url = f"http://127.0.0.1:{first_port + index}/ocpi/emsp/locations"
        emsp = connected_party(
            f"emsp{index}", "DE", f"M{index:02d}", "EMSP", ("locations", "RECEIVER", url)
        )
        ids.append(emsp.pk)
    return cpo, ids


def seed(cpo, receiver_ids: list[int], messages: int) -> None:
    """`messages` Location PUTs (different objects), each pending for every receiver."""
    from django.utils import timezone

    from bench.load import request_for
    from hub.models import Delivery, Message

    created = Message.objects.bulk_create(
        Message(
            module="locations",
            method="PUT",
            owner_country_code="NL",
            owner_party_id="CPO",
            object_id=f"L{n}",
            segments=[f"L{n}"],
            body=request_for("W1", f"L{n}", n)[2],
            sender=cpo,
            broadcast=True,
        )
        for n in range(messages)
    )
    now = timezone.now()
    Delivery.objects.bulk_create(
        (
            Delivery(
                message=message,
                receiver_id=receiver_id,
                object_key=message.object_key,
                next_attempt_at=now,
                retry_since=now,
            )
            for message in created
            for receiver_id in receiver_ids
        ),
        batch_size=1000,
    )


class StatementCounter:
    """Counts SQL statements of every thread's connection (installed per thread)."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        with self.lock:
            self.count += 1
        return execute(sql, params, many, context)


def drain_all(receiver_ids: list[int], counter: StatementCounter) -> None:
    from django.db import connection

    from hub import delivery

    copy = getattr(delivery, "_insert_attempts", None)
    if copy is not None and connection.vendor == "postgresql":  # a COPY is not executed by
        # Django's cursor, so the wrapper does not see it: one statement per call

        def counted(attempts, *args, **kwargs):
            with counter.lock:
                counter.count += 1
            return copy(attempts, *args, **kwargs)

        delivery._insert_attempts = counted

    def drain(receiver_id):
        try:
            with connection.execute_wrapper(counter):
                delivery.drain(receiver_id, max_batches=10_000)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(receiver_ids)) as pool:  # as a worker serves them
        list(pool.map(drain, receiver_ids))


def measure(receivers: int, messages: int, first_port: int, profile: bool) -> dict:
    from django.db.models import Count

    from bench.stack import busy_cpu_seconds
    from hub.models import Delivery

    cpo, ids = setup(receivers, first_port)
    seed(cpo, ids, messages)
    counter = StatementCounter()
    profiler = cProfile.Profile() if profile else None
    wall, cpu, times = time.perf_counter(), time.process_time(), os.times()
    machine = busy_cpu_seconds()
    if profiler:
        profiler.enable()
    drain_all(ids, counter)
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    system = os.times().system - times.system
    machine = busy_cpu_seconds() - machine
    statuses = dict(Delivery.objects.values_list("status").annotate(n=Count("pk")))
    total = receivers * messages
    if statuses.get("DELIVERED") != total:
        print(f"  not all delivered: {statuses}", file=sys.stderr)
    result = {
        "receivers": receivers,
        "deliveries": total,
        "cpu_us": cpu / total * 1e6,
        "system_us": system / total * 1e6,
        "machine_us": machine / total * 1e6,
        "statements": counter.count / total,
        "per_s": total / wall,
    }
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("SORT", "tottime"))
        stats.print_stats(int(os.environ.get("TOP", "35")))
        result["profile"] = out.getvalue()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receivers", type=int, nargs="+", default=[3, 20])
    parser.add_argument("--messages", type=int, default=400, help="per receiver count")
    parser.add_argument("--port", type=int, default=8951, help="receivers from this port up")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--receiver-latency-ms", type=float, default=0, help="each receiver answers after this"
    )
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument(
        "--no-http",
        action="store_true",
        help="answer every send at once in process (the engine's own cost, without httpx)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from hub import delivery

    call_command("migrate", verbosity=0)
    delivery.wake = lambda receiver_ids: None  # no worker runs: nothing to wake
    if args.no_http:
        from hub.client import Reply

        answer = b'{"status_code":1000,"timestamp":"2024-01-01T00:00:00Z"}'

        def transmit(request, receiver):
            reply = Reply(http_status=200, status_code=1000, body=json.loads(answer))
            reply.content, reply.duration_ms = answer, 0.1
            answered = Future()
            answered.set_result(reply)
            return answered

        delivery.transmit = transmit
    count = max(args.receivers)
    control = args.port + count
    receivers = subprocess.Popen(
        [
            *(sys.executable, "-m", "bench.receivers", "--first-port", str(args.port)),
            *("--count", str(count), "--control-port", str(control)),
        ]
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{control}/latest", timeout=1)
                break
            time.sleep(0.1)
        for _ in range(args.repeat):
            for receiver_count in args.receivers:
                urllib.request.urlopen(
                    urllib.request.Request(f"http://127.0.0.1:{control}/reset", method="POST")
                )
                latency = {"latency_ms": args.receiver_latency_ms}
                urllib.request.urlopen(
                    urllib.request.Request(
                        f"http://127.0.0.1:{control}/configure",
                        json.dumps({str(i): latency for i in range(count)}).encode(),
                        method="POST",
                    )
                )
                result = measure(receiver_count, args.messages, args.port, args.cprofile)
                print(
                    f"{result['receivers']:>2} receivers, {result['deliveries']} deliveries: "
                    f"{result['cpu_us']:.0f} µs CPU ({result['system_us']:.0f} in the kernel;"
                    f" the machine {result['machine_us']:.0f}) and "
                    f"{result['statements']:.2f} statements "
                    f"per delivery, {result['per_s']:.0f} deliveries/s",
                    flush=True,
                )
                if "profile" in result:
                    print(result["profile"])
    finally:
        receivers.terminate()
        receivers.wait(timeout=10)


if __name__ == "__main__":
    main()
