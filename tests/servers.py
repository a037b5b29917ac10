"""A small party server on 127.0.0.1 that records what it receives, for integration tests."""

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes
    at: float = field(default_factory=time.monotonic)  # when it arrived

    @property
    def json(self):
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        """The value of header `name`, whatever the case the sender wrote it in."""
        found = [value for key, value in self.headers.items() if key.lower() == name.lower()]
        return found[0] if found else None


def ocpi_ok(data=None, status_code=1000):
    body = {"status_code": status_code, "timestamp": "2024-01-01T00:00:00Z"}
    if data is not None:
        body["data"] = data
    return body


def answering(*answers):
    """A `respond` giving each request the next of `answers` ((http_status, body, headers)),
    and every request after the last one the last: a receiver that is busy, then accepts."""
    pending = list(answers)
    lock = threading.Lock()

    def respond(received):
        with lock:
            return pending.pop(0) if len(pending) > 1 else pending[0]

    return respond


class Server(ThreadingHTTPServer):
    # A listen backlog of a real server's size: with socketserver's 5, connections opened at
    # once beyond it wait for a SYN retransmission (1 s, then 3 s).
    request_queue_size = 128
    daemon_threads = True


class PartyServer:
    """Records every request; answers with `respond(received) -> (http_status, body, headers)`.

    Can be stopped and started again on the same port to play a receiver outage: stopping
    also closes the connections it accepted, so a client keeping one alive sees the outage too.
    """

    def __init__(self, respond=None):
        self.respond = respond or (lambda received: (200, ocpi_ok(), {}))
        self.received: list[Received] = []
        self.port = 0
        self._server = None
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "PartyServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with server._lock:
                    server._connections.add(self.connection)

            def finish(self):
                with server._lock:
                    server._connections.discard(self.connection)
                super().finish()

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                received = Received(
                    self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
                )
                with server._lock:
                    server.received.append(received)
                http_status, body, headers = server.respond(received)
                payload = json.dumps(body).encode() if not isinstance(body, bytes) else body
                self.send_response(http_status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args):
                pass

        self._server = Server(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()  # (stop() waits up to one poll interval)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def requests(self, query: bool = True) -> list[tuple[str, str]]:
        """(method, path) of every request received, in order (the path without its query
        string if not `query`)."""
        with self._lock:
            received = list(self.received)
        return [(r.method, r.path if query else r.path.split("?")[0]) for r in received]

    def wait_for(self, count: int, timeout: float = 20.0, method: str | None = None) -> list:
        """Wait (bounded) until `count` requests (of `method`) arrived; return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            matching = [r for r in self.received if method is None or r.method == method]
            if len(matching) >= count:
                return matching
            time.sleep(0.05)
        raise AssertionError(f"expected {count} requests, got {len(self.received)}")
