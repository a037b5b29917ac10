"""eMSP receivers for the delivery benchmark: many ports in one asyncio process, each answering
pushes after a configurable latency, and recording what arrived.

    python -m bench.receivers --first-port 8921 --count 21 --control-port 8920

Receiver `i` listens on `first_port + i`. Each one holds any number of requests at once while
it "thinks" (an `asyncio.sleep`), as an eMSP backend behind a load balancer would. Per receiver:

- `latency_ms`: answer every push after this long (OCPI 1000);
- `mode` "hang": never answer; wait until the hub gives up and closes the connection.

A push is recorded only when its answer was written to a connection the hub still held: one the
hub abandoned (its timeout) is counted as `abandoned`, as a real receiver's rolled-back request
would be, so the hub's retry of it is not a duplicate. A record is (arrival sequence, arrival
time, object path, the body's `last_updated` as a POSIX timestamp); the benchmark computes
latency and exactness from them.

The control port answers `GET /stats` (every record), `GET /latest` (per receiver, the newest
`last_updated` of each object), `POST /reset` and `POST /configure` with a JSON body
`{"<index>": {"latency_ms": 100, "mode": "normal"}, ...}`.
"""

import argparse
import asyncio
import contextlib
import json
import time
from datetime import datetime

OK = b'{"status_code":1000,"status_message":"Success","timestamp":"2024-01-01T00:00:00Z"}'
HANG_LIMIT_S = 300  # bounded: a hung request is dropped after this even if the hub holds on


class Receiver:
    def __init__(self, port: int):
        self.port = port
        self.latency_ms, self.mode = 0.0, "normal"
        self.reset()

    def reset(self):
        self.records: list[tuple[int, float, str, float]] = []
        self.latest: dict[str, float] = {}
        self.abandoned = 0
        self.in_flight = self.most_in_flight = 0

    def snapshot(self) -> dict:
        return {
            "port": self.port,
            "latency_ms": self.latency_ms,
            "mode": self.mode,
            "abandoned": self.abandoned,
            "most_in_flight": self.most_in_flight,
            "records": self.records,
        }


class Server:
    def __init__(self, first_port: int, count: int):
        self.receivers = [Receiver(first_port + index) for index in range(count)]
        self.sequence = 0

    async def serve_push(self, receiver: Receiver, path: str, body: bytes, reader) -> bytes | None:
        """The answer to one push, or None when the hub abandoned the request."""
        self.sequence += 1
        sequence, arrival = self.sequence, time.time()
        receiver.in_flight += 1
        receiver.most_in_flight = max(receiver.most_in_flight, receiver.in_flight)
        try:
            if receiver.mode == "hang":
                with contextlib.suppress(TimeoutError):  # until the hub closes the connection
                    await asyncio.wait_for(reader.read(), HANG_LIMIT_S)
            elif receiver.latency_ms:
                await asyncio.sleep(receiver.latency_ms / 1000)
        finally:
            receiver.in_flight -= 1
        if reader.at_eof():
            receiver.abandoned += 1
            return None
        try:
            version = datetime.fromisoformat(json.loads(body)["last_updated"]).timestamp()
        except (ValueError, KeyError, TypeError):
            version = 0.0
        key = path.split("/locations/", 1)[-1]
        receiver.records.append((sequence, arrival, key, version))
        receiver.latest[key] = max(version, receiver.latest.get(key, 0.0))
        return OK

    def control(self, method: str, path: str, body: bytes) -> bytes:
        if path == "/stats":
            return json.dumps([receiver.snapshot() for receiver in self.receivers]).encode()
        if path == "/latest":
            return json.dumps([receiver.latest for receiver in self.receivers]).encode()
        if method == "POST" and path == "/reset":
            for receiver in self.receivers:
                receiver.reset()
        elif method == "POST" and path == "/configure":
            for index, settings in json.loads(body).items():
                receiver = self.receivers[int(index)]
                receiver.latency_ms = float(settings.get("latency_ms", receiver.latency_ms))
                receiver.mode = settings.get("mode", receiver.mode)
        return OK

    def handler(self, receiver: Receiver | None):
        async def handle(reader, writer):
            try:
                while True:  # keep-alive: one request after another on this connection
                    try:
                        head = await reader.readuntil(b"\r\n\r\n")
                    except (asyncio.IncompleteReadError, ConnectionError):
                        return
                    lines = head.decode("latin-1").split("\r\n")
                    method, target, _ = lines[0].split(" ", 2)
                    headers = dict(
                        (name.strip().lower(), value.strip())
                        for name, value in (line.split(":", 1) for line in lines[1:] if ":" in line)
                    )
                    body = await reader.readexactly(int(headers.get("content-length", 0)))
                    path = target.split("?", 1)[0]
                    if receiver is None:
                        answer = self.control(method, path, body)
                    elif method in ("PUT", "PATCH", "POST"):
                        answer = await self.serve_push(receiver, path, body, reader)
                        if answer is None:
                            return
                    else:
                        answer = OK
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        b"Content-Length: %d\r\n\r\n%s" % (len(answer), answer)
                    )
                    await writer.drain()
                    if headers.get("connection", "").lower() == "close":
                        return
            except (ConnectionError, asyncio.IncompleteReadError):
                return
            finally:
                writer.close()

        return handle

    async def run(self, control_port: int):
        servers = [
            await asyncio.start_server(self.handler(None), "127.0.0.1", control_port, backlog=512)
        ]
        for receiver in self.receivers:
            servers.append(
                await asyncio.start_server(
                    self.handler(receiver), "127.0.0.1", receiver.port, backlog=1024
                )
            )
        await asyncio.gather(*(server.serve_forever() for server in servers))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--first-port", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--control-port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(Server(args.first_port, args.count).run(args.control_port))


if __name__ == "__main__":
    main()
