"""The delivery ledger under faults: nothing lost, nothing reordered, every CDR held once.

Several hundred pushes reach three eMSP receivers that answer slowly and sometimes with a 5xx,
while the worker is killed mid-batch and the broker (a Redis of the test's own) restarts. The hub
runs as real processes: a web server and Celery workers, on the test database.
`make chaos` runs the same ledger with a PostgreSQL restart as well.
"""

import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict

import httpx
import pytest
from django.db import connection

from hub.models import Delivery
from tests.cdrs.conftest import cdr
from tests.conftest import (
    ChildProcess,
    create_platform,
    database_url_for_subprocess,
    token_header,
)
from tests.integration.test_location_delivery import FAST, wait_until
from tests.locations.conftest import location
from tests.servers import ocpi_ok

pytestmark = pytest.mark.integration

EMSPS = ("MSA", "MSB", "MSC")
LOCATION_IDS = [f"LOC{n}" for n in range(25)]
VERSIONS = 8  # 25 Locations x 8 versions x 3 receivers, and 45 CDRs
CDRS_PER_EMSP = 15


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Receiver:
    """An eMSP backend: slow, sometimes failing, keeping what it accepted like a real one."""

    def __init__(self, party_server, seed: int):
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.location_versions: dict[str, list[str]] = defaultdict(list)  # accepted, in order
        self.cdrs_accepted: dict[str, int] = defaultdict(int)
        self.server = party_server(respond=self.respond)

    def respond(self, received):
        with self.lock:
            latency, fails = self.random.uniform(0, 0.03), self.random.random() < 0.1
        time.sleep(latency)
        if fails:
            return 503, {"detail": "try later"}, {}
        body = received.json
        with self.lock:
            if received.method == "POST":
                self.cdrs_accepted[body["id"]] += 1
            else:
                self.location_versions[body["id"]].append(body["last_updated"])
        return (201 if received.method == "POST" else 200), ocpi_ok(), {}


def version(number: int) -> str:
    return f"2024-01-01T10:{number // 60:02d}:{number % 60:02d}Z"


def run_ledger(party_server, restart_postgres: bool = False):
    receivers = {}
    for index, party_id in enumerate(EMSPS):
        receiver = Receiver(party_server, seed=index)
        create_platform(
            f"eMSP {party_id}",
            [("DE", party_id, "EMSP")],
            endpoints={
                ("locations", "RECEIVER"): f"{receiver.server.url}/locations/",
                ("cdrs", "RECEIVER"): f"{receiver.server.url}/cdrs",
            },
        )
        receivers[party_id] = receiver
    _, token = create_platform("CPO", [("NL", "CPO", "CPO")])

    redis_port, web_port = free_port(), free_port()
    redis = ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1"]
    redis += ["--save", "", "--appendonly", "no"]
    env = {
        **os.environ,
        **FAST,
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
    }
    celery = [sys.executable, "-m", "celery", "-A", "hub", "worker", "--loglevel", "ERROR"]
    celery += ["--queues", "deliveries,background", "--pool", "threads", "--concurrency", "8"]
    celery += ["--without-mingle", "--without-gossip", "--beat"]
    web = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1"]
    web += ["--port", str(web_port), "--workers", "1", "--log-level", "error"]
    web += ["hub.wsgi:application"]
    processes = [
        ChildProcess(redis, quiet=True).start(),
        ChildProcess(web, env, quiet=True).start(),
        ChildProcess(celery, env, quiet=True).start(),
    ]
    broker, _, first_worker = processes
    try:
        hub = httpx.Client(
            base_url=f"http://127.0.0.1:{web_port}/ocpi/2.2.1/receiver",
            headers={"Authorization": token_header(token)},
            timeout=10,
        )
        wait_until(lambda: web_answers(web_port), timeout=30)
        pushes = [
            ("location", n, location_id) for n in range(VERSIONS) for location_id in LOCATION_IDS
        ]
        pushes += [("cdr", n, party_id) for n in range(CDRS_PER_EMSP) for party_id in EMSPS]
        random.Random(7).shuffle(pushes)
        versions_sent = 0
        for index, (kind, number, key) in enumerate(pushes):
            if kind == "location":
                versions_sent += 1
                body = location(id=key, last_updated=version(versions_sent))
                answer = hub.put(f"/locations/NL/CPO/{key}", json=body)
            else:
                body = cdr(id=f"CDR-{key}-{number}", cdr_token=token_of(key))
                answer = hub.post("/cdrs", json=body)
            assert answer.json()["status_code"] == 1000, answer.text
            if index == len(pushes) // 3:
                first_worker.kill()  # mid-batch: its claims expire, others take them
                processes.append(ChildProcess(celery, env, quiet=True).start())
            if index == len(pushes) // 2:
                broker.kill()  # the broker restarts empty: queued wake-ups are lost
                broker.start()
            if restart_postgres and index == 2 * len(pushes) // 3:
                restart_database()
            time.sleep(0.002)
        if restart_postgres:
            connection.close()  # the test's own connection did not survive the restart
        wait_until(lambda: not Delivery.objects.filter(status="PENDING").exists(), timeout=180)
    finally:
        for process in reversed(processes):
            process.stop()

    assert set(Delivery.objects.values_list("status", flat=True)) <= {"DELIVERED", "SUPERSEDED"}
    final = final_versions()
    lost_claims = Delivery.objects.filter(attempt_log__error__contains="worker was lost")
    resent_cdrs = set(
        lost_claims.filter(message__module="cdrs").values_list("message__object_id", flat=True)
    )
    for party_id, receiver in receivers.items():
        for location_id, seen in receiver.location_versions.items():
            assert seen == sorted(seen), f"{party_id} got an older {location_id} after a newer"
        held = {location_id: seen[-1] for location_id, seen in receiver.location_versions.items()}
        assert held == final, f"{party_id} does not hold the latest version of every Location"
        expected = {f"CDR-{party_id}-{n}" for n in range(CDRS_PER_EMSP)}
        assert set(receiver.cdrs_accepted) == expected
        # A CDR is accepted twice only when a worker died between the answer and its record.
        twice = {cdr_id for cdr_id, count in receiver.cdrs_accepted.items() if count > 1}
        assert {cdr_id.upper() for cdr_id in twice} <= resent_cdrs


def web_answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/ocpi/versions").status_code == 401
    except httpx.HTTPError:
        return False


def token_of(party_id: str) -> dict:
    return {
        "country_code": "DE",
        "party_id": party_id,
        "uid": "U1",
        "type": "RFID",
        "contract_id": "C1",
    }


def final_versions() -> dict[str, str]:
    from locations.models import Location

    return {loc.document["id"]: loc.document["last_updated"] for loc in Location.objects.all()}


def restart_database() -> None:
    cluster = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],
        check=True,
        timeout=60,
    )


def test_the_ledger_holds_under_latency_errors_a_worker_crash_and_a_broker_restart(
    transactional_db, party_server
):
    run_ledger(party_server)


@pytest.mark.chaos
def test_the_ledger_holds_across_a_database_restart(transactional_db, party_server):
    run_ledger(party_server, restart_postgres=True)
