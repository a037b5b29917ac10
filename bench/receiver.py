"""An eMSP receiver for the benchmark (ASGI, served by granian): counts what it receives.

Each pushed body carries `last_updated` = the moment the CPO sent it, so arrival minus
`last_updated` is the end-to-end latency through the hub. It also answers real-time
authorization like an eMSP would.
"""

import json
import time
from datetime import UTC, datetime

OK = b'{"status_code":1000,"timestamp":"2024-01-01T00:00:00Z"}'
AUTHORIZED = json.dumps(
    {
        "status_code": 1000,
        "timestamp": "2024-01-01T00:00:00Z",
        "data": {
            "allowed": "ALLOWED",
            "token": {
                "country_code": "DE",
                "party_id": "MS0",
                "uid": "BENCH",
                "type": "RFID",
                "contract_id": "DE-MS0-C1",
                "issuer": "Bench",
                "valid": True,
                "whitelist": "ALLOWED",
                "last_updated": "2024-01-01T00:00:00Z",
            },
        },
    }
).encode()


class Stats:
    def __init__(self):
        self.reset()

    def reset(self):
        self.count = 0
        self.duplicates = 0
        self.seen: set[tuple[str, str]] = set()
        self.latest: dict[str, str] = {}  # object path -> newest last_updated received
        self.latencies: list[tuple[float, float]] = []  # (arrival, latency ms)

    def record(self, path: str, body: bytes):
        self.count += 1
        arrival = time.time()
        try:
            sent = json.loads(body)["last_updated"]
        except (ValueError, KeyError, TypeError):
            return
        key = (path, sent)
        if key in self.seen:
            self.duplicates += 1
            return
        self.seen.add(key)
        if sent > self.latest.get(path, ""):
            self.latest[path] = sent
        moment = datetime.strptime(sent, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        self.latencies.append((arrival, (arrival - moment.timestamp()) * 1000))

    def snapshot(self, detail: bool) -> dict:
        result = {"count": self.count, "duplicates": self.duplicates, "unique": len(self.seen)}
        if detail:
            result["latest"] = self.latest
            result["latencies"] = self.latencies
        return result


stats = Stats()


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    path, method = scope["path"], scope["method"]
    answer = OK
    if path == "/stats":
        answer = json.dumps(stats.snapshot(detail=b"detail" in scope["query_string"])).encode()
    elif path == "/reset":
        stats.reset()
    elif method == "POST" and path.endswith("/authorize"):
        answer = AUTHORIZED
    elif method in ("PUT", "PATCH", "POST"):
        stats.record(path, body)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": answer})
