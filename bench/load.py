"""Load generators for the benchmark: closed loop (maximum rate) and paced (offered rate)."""

import http.client
import json
import threading
import time
from datetime import UTC, datetime
from multiprocessing import Pool
from urllib.parse import urlsplit

STATUSES = ["AVAILABLE", "CHARGING", "BLOCKED", "RESERVED", "AVAILABLE", "OUTOFORDER"]


def stamp() -> str:
    """Now as an OCPI DateTime with milliseconds: the send time the receivers measure from."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def location(location_id: str) -> dict:
    """A full Location with 2 EVSEs x 2 connectors."""
    sent = stamp()
    connectors = lambda evse: [  # noqa: E731
        {
            "id": str(number),
            "standard": "IEC_62196_T2",
            "format": "SOCKET",
            "power_type": "AC_3_PHASE",
            "max_voltage": 230,
            "max_amperage": 32,
            "max_electric_power": 22000,
            "tariff_ids": ["T1"],
            "last_updated": sent,
        }
        for number in (1, 2)
    ]
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": location_id,
        "publish": True,
        "name": f"Bench location {location_id}",
        "address": "Stationsplein 1",
        "city": "Amsterdam",
        "postal_code": "1012AB",
        "country": "NLD",
        "coordinates": {"latitude": "52.379189", "longitude": "4.899431"},
        "parking_type": "ON_STREET",
        "time_zone": "Europe/Amsterdam",
        "evses": [
            {
                "uid": f"{location_id}-E{number}",
                "evse_id": f"NL*CPO*E{number}",
                "status": "AVAILABLE",
                "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
                "connectors": connectors(number),
                "last_updated": sent,
            }
            for number in (1, 2)
        ],
        "opening_times": {"twentyfourseven": True},
        "last_updated": sent,
    }


def request_for(kind: str, key: str, n: int) -> tuple[str, str, bytes]:
    """(method, path, body) of one request of a workload."""
    if kind == "W1":
        return "PUT", f"/ocpi/2.2.1/receiver/locations/NL/CPO/{key}", _body(location(key))
    if kind == "W1-baseline":
        return "PUT", f"/baseline/NL/CPO/{key}", _body(location(key))
    body = _body({"status": STATUSES[n % len(STATUSES)], "last_updated": stamp()})
    if kind == "W2":
        return "PATCH", f"/ocpi/2.2.1/receiver/locations/NL/CPO/{key}", body
    if kind == "W2-baseline":
        return "PUT", f"/baseline/NL/CPO/{key}", body
    raise ValueError(kind)


def _body(document: dict) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


class Connection:
    def __init__(self, base_url: str, token: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.connection = None

    def send(self, method: str, path: str, body: bytes | None = None, headers=None):
        for attempt in range(2):  # one reconnect if the server closed a kept-alive socket
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self.connection.request(method, path, body, {**self.headers, **(headers or {})})
                response = self.connection.getresponse()
                return response.status, response.read(), response.getheader("Link")
            except (OSError, http.client.HTTPException):
                self.connection = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def _ok(status: int, payload: bytes) -> bool:
    return status in (200, 201) and b'"status_code":1000' in payload


class Tally:
    """What one sending thread saw: latencies, the newest accepted version per path, failures."""

    def __init__(self, base_url, token, kind):
        self.connection = Connection(base_url, token)
        self.kind = kind
        self.latencies, self.sent, self.failed = [], {}, 0

    def send(self, key: str, n: int) -> None:
        method, path, body = request_for(self.kind, key, n)
        started = time.perf_counter()
        try:
            status, payload, _ = self.connection.send(method, path, body)
        except OSError:
            status, payload = 0, b""
        self.latencies.append((time.perf_counter() - started) * 1000)
        if _ok(status, payload):
            self.sent[path] = json.loads(body)["last_updated"]
        else:
            self.failed += 1

    def result(self):
        return self.latencies, self.sent, self.failed


def combine(parts):
    """Merge the (latencies, sent, failed) of several threads or processes."""
    latencies, sent, failed = [], {}, 0
    for part_latencies, part_sent, part_failed in parts:
        latencies += part_latencies
        sent.update(part_sent)
        failed += part_failed
    return latencies, sent, failed


def run_threads(workers, results):
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return combine(results)


def _closed_loop_thread(base_url, token, kind, keys, deadline, results):
    tally, n = Tally(base_url, token, kind), 0
    while time.monotonic() < deadline:
        tally.send(keys(n), n)
        n += 1
    results.append(tally.result())


def _closed_loop_process(args):
    base_url, token, kind, duration, threads, processes, process_index, key_space = args
    deadline = time.monotonic() + duration
    results: list = []

    def keys_for(thread_index):
        if key_space is None:  # new id each request
            return lambda n: (
                f"{kind[:2]}-{process_index}-{thread_index}-{n}-{time.time_ns() % 10**9}"
            )
        mine = own_keys(key_space, process_index * threads + thread_index, processes * threads)
        return lambda n: mine[(n * 7919) % len(mine)]

    workers = [
        threading.Thread(
            target=_closed_loop_thread,
            args=(base_url, token, kind, keys_for(index), deadline, results),
        )
        for index in range(threads)
    ]
    return run_threads(workers, results)


def closed_loop(base_url, token, kind, duration, processes=2, threads=8, key_space=None):
    """Send as fast as the server answers; returns (latencies ms, {path: last_updated}, failed)."""
    with Pool(processes) as pool:
        parts = pool.map(
            _closed_loop_process,
            [
                (base_url, token, kind, duration, threads, processes, index, key_space)
                for index in range(processes)
            ],
        )
    return combine(parts)


def own_keys(key_space: list[str], index: int, senders: int) -> list[str]:
    """The EVSE keys one sending thread patches: whole Locations no other thread touches.

    Two threads patching one Location at once would stamp `last_updated` in one order and be
    stored in the other, and the receivers' newest-version check would count a false loss.
    """
    return [key for number, key in enumerate(key_space) if (number // 2) % senders == index]


def _paced_thread(base_url, token, kind, key_space, rate, duration, index, results):
    tally, interval = Tally(base_url, token, kind), 1.0 / rate
    start = time.monotonic() + index * interval / 8
    for n in range(int(duration * rate)):  # bounded by the schedule
        pause = start + n * interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        tally.send(key_space[(n * 7919) % len(key_space)], n)
    results.append(tally.result())


def paced(base_url, token, kind, rate, duration, key_space, threads=16):
    """Offer `rate` requests/s for `duration` s (each thread keeps its own schedule)."""
    results: list = []
    workers = [
        threading.Thread(
            target=_paced_thread,
            args=(
                base_url,
                token,
                kind,
                own_keys(key_space, index, threads),
                rate / threads,
                duration,
                index,
                results,
            ),
        )
        for index in range(threads)
    ]
    return run_threads(workers, results)
