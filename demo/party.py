"""A simulated OCPI 2.2.1 party (a CPO or an eMSP backend): an HTTP server on 127.0.0.1 that
answers the hub, and a client that registers at the hub and sends it traffic."""

import base64
import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx

from hub.types import now

# The interfaces each role offers the hub (mod_versions: identifier and role).
MODULES = {
    "CPO": (
        ("credentials", "SENDER"),
        ("hubclientinfo", "RECEIVER"),
        ("locations", "SENDER"),
        ("tariffs", "SENDER"),
        ("sessions", "SENDER"),
        ("cdrs", "SENDER"),
        ("tokens", "RECEIVER"),
        ("commands", "RECEIVER"),
    ),
    "EMSP": (
        ("credentials", "SENDER"),
        ("hubclientinfo", "RECEIVER"),
        ("locations", "RECEIVER"),
        ("tariffs", "RECEIVER"),
        ("sessions", "RECEIVER"),
        ("cdrs", "RECEIVER"),
        ("tokens", "SENDER"),
        ("commands", "SENDER"),
    ),
}


def ok(data=None, status_code: int = 1000) -> dict:
    body = {"status_code": status_code, "timestamp": now()}
    if data is not None:
        body["data"] = data
    return body


def token_header(token: str) -> str:
    return "Token " + base64.b64encode(token.encode()).decode()


class SimulatedParty:
    """One party on its own platform. `on_request(party, method, module, segments, body)` may
    answer a request itself: `(http_status, body)`, or None for a plain OCPI success."""

    def __init__(self, name: str, country_code: str, party_id: str, role: str, on_request=None):
        self.name, self.country_code, self.party_id, self.role = name, country_code, party_id, role
        self.on_request: Callable | None = on_request
        self.received: Counter[str] = Counter()  # requests from the hub, per module
        self.token_b = f"demo-{uuid.uuid4()}"  # what the hub presents to this party
        self.token_c = ""  # what this party presents to the hub
        self.hub_endpoints: dict[tuple[str, str], str] = {}
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()
        self.http = httpx.Client(timeout=15)

    def __str__(self) -> str:
        return f"{self.country_code}*{self.party_id} ({self.role})"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ocpi"

    # ---------------------------------------------------------------- the party as a server

    def start(self) -> "SimulatedParty":
        party = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_request(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                http_status, body = party.answer(self.command, urlsplit(self.path).path, raw)
                payload = json.dumps(body).encode()
                self.send_response(http_status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_request

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop answering (an outage); `start()` again serves on the same port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def answer(self, method: str, path: str, raw: bytes) -> tuple[int, dict]:
        parts = [part for part in path.split("/") if part]  # ocpi, [2.2.1, module, ...]
        if parts == ["ocpi", "versions"]:
            return 200, ok([{"version": "2.2.1", "url": f"{self.url}/2.2.1"}])
        if parts == ["ocpi", "2.2.1"]:
            endpoints = [
                {"identifier": module, "role": role, "url": f"{self.url}/2.2.1/{module}/"}
                for module, role in MODULES[self.role]
            ]
            return 200, ok({"version": "2.2.1", "endpoints": endpoints})
        module, segments = (parts[2], parts[3:]) if len(parts) > 2 else ("other", [])
        with self._lock:
            self.received[module] += 1
        body = json.loads(raw) if raw else None
        answered = self.on_request and self.on_request(self, method, module, segments, body)
        return answered or (200, ok())

    # ---------------------------------------------------------------- the party as a client

    def register(self, hub_versions_url: str, token_a: str) -> None:
        """The credentials handshake, as a party does it with the Token A the hub gave it."""
        versions = self.http.get(hub_versions_url, headers=self.headers(token_a)).json()["data"]
        details_url = next(v["url"] for v in versions if v["version"] == "2.2.1")
        details = self.http.get(details_url, headers=self.headers(token_a)).json()["data"]
        credentials_url = next(
            e["url"] for e in details["endpoints"] if e["identifier"] == "credentials"
        )
        credentials = {
            "token": self.token_b,
            "url": f"{self.url}/versions",
            "roles": [
                {
                    "role": self.role,
                    "party_id": self.party_id,
                    "country_code": self.country_code,
                    "business_details": {"name": self.name},
                }
            ],
        }
        answer = self.http.post(credentials_url, json=credentials, headers=self.headers(token_a))
        body = answer.json()
        if body.get("status_code") != 1000:
            raise RuntimeError(f"{self} could not register: {body}")
        self.token_c = body["data"]["token"]
        details = self.http.get(details_url, headers=self.headers(self.token_c)).json()["data"]
        self.hub_endpoints = {(e["identifier"], e["role"]): e["url"] for e in details["endpoints"]}

    def headers(self, token: str, to: "SimulatedParty | None" = None) -> dict:
        headers = {
            "Authorization": token_header(token),
            "X-Request-ID": str(uuid.uuid4()),
            "X-Correlation-ID": str(uuid.uuid4()),
            "OCPI-from-country-code": self.country_code,
            "OCPI-from-party-id": self.party_id,
        }
        if to is not None:
            headers["OCPI-to-country-code"] = to.country_code
            headers["OCPI-to-party-id"] = to.party_id
        return headers

    def send(self, method: str, module: str, interface: str, path: str = "", body=None, to=None):
        """One request to the hub's `module` `interface` (as advertised in its version
        details); returns the OCPI response body (or an error envelope when it failed)."""
        url = self.hub_endpoints[(module, interface)].rstrip("/") + (f"/{path}" if path else "")
        try:
            answer = self.http.request(
                method, url, json=body, headers=self.headers(self.token_c, to)
            )
            return answer.json()
        except (httpx.HTTPError, ValueError) as error:
            return {"status_code": 3000, "status_message": f"{type(error).__name__}"}

    def close(self) -> None:
        self.stop()
        self.http.close()
