"""The one outbound client: every call the hub makes to a party goes through `call`.

It sets the hub's token for the platform (Base64, or raw for peers that expect it), a new
X-Request-ID, the caller's X-Correlation-ID and the routing headers; it never raises on
HTTP or network errors and never writes a token to a log line.
"""

import base64
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import httpx
from django.conf import settings

from hub import status
from hub.routing import PartyRef, routing_headers

logger = logging.getLogger(__name__)

_clients: dict[int, httpx.Client] = {}
_clients_lock = threading.Lock()


def http_client() -> httpx.Client:
    """A pooled client per process (connections to each receiver are reused)."""
    pid = os.getpid()
    client = _clients.get(pid)
    if client is None:
        with _clients_lock:
            client = _clients.get(pid)
            if client is None:
                client = httpx.Client(
                    limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
                    follow_redirects=False,
                )
                _clients.clear()  # a forked child must not reuse its parent's sockets
                _clients[pid] = client
    return client


def join_url(base: str, *segments: str) -> str:
    """Join a party's endpoint URL and path segments with exactly one `/` between each."""
    url = base.rstrip("/")
    for segment in segments:
        url += "/" + quote(str(segment), safe="")
    return url


def authorization_header(token: str, raw: bool = False) -> str:
    return f"Token {token if raw else base64.b64encode(token.encode()).decode()}"


@dataclass
class Reply:
    """What came back from a party: always returned, never raised."""

    http_status: int | None = None
    status_code: int | None = None
    body: object = None
    headers: dict = field(default_factory=dict)
    duration_ms: float = 0.0
    error: str = ""
    timed_out: bool = False
    content: bytes = b""

    @property
    def data(self):
        return self.body.get("data") if isinstance(self.body, dict) else None

    @property
    def message(self) -> str:
        if isinstance(self.body, dict):
            return str(self.body.get("status_message") or self.body.get("detail") or "")
        return ""

    @property
    def ok(self) -> bool:
        """Accepted: HTTP 2xx with an OCPI envelope whose status_code is a success (1xxx).

        A 2xx without an envelope (an HTML page of a proxy, an empty body, `{}`) is not an
        answer of the party: it is not taken as accepted.
        """
        return (
            self.http_status is not None
            and 200 <= self.http_status < 300
            and self.status_code is not None
            and 1000 <= self.status_code < 2000
        )

    @property
    def connection_failed(self) -> bool:
        return self.http_status is None

    @property
    def retryable(self) -> bool:
        """Worth sending again: no answer, HTTP 408/429/5xx, a 2xx that is not an OCPI answer,
        OCPI 3xxx (server errors) or a peer hub's 4001-4003 (it could not reach its party)."""
        if self.http_status is None or self.http_status in (408, 429) or self.http_status >= 500:
            return True
        if self.status_code is None:
            return 200 <= self.http_status < 300
        return 3000 <= self.status_code < 4000 or self.status_code in (4001, 4002, 4003)

    @property
    def throttled(self) -> bool:
        """The party asked the hub to slow down (HTTP 429)."""
        return self.http_status == 429

    @property
    def retry_after(self) -> float | None:
        """Seconds the party asked the hub to wait (Retry-After: seconds or an HTTP date)."""
        value = self.headers.get("retry-after", "").strip()
        if not value:
            return None
        if value.isascii() and value.isdigit():
            return float(value)
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            return None
        return max(0.0, (moment - datetime.now(UTC)).total_seconds())

    def summary(self) -> str:
        if self.error:
            return self.error
        if self.status_code is None:
            return f"HTTP {self.http_status}, not an OCPI answer"
        return f"HTTP {self.http_status} OCPI {self.status_code} {self.message}".strip()


def call(
    platform,
    method: str,
    url: str,
    *,
    json_body=None,
    content: bytes | None = None,
    params: dict | None = None,
    correlation_id: str | None = None,
    to: PartyRef | None = None,
    sender: PartyRef | None = None,
    timeout: float | None = None,
    token: str | None = None,
) -> Reply:
    """Send one OCPI request to a platform; `token` overrides the platform's stored one."""
    request_id = str(uuid.uuid4())
    headers = {
        "Authorization": authorization_header(
            token or platform.outgoing_token, raw=platform.send_token_raw
        ),
        "X-Request-ID": request_id,
        "X-Correlation-ID": correlation_id or request_id,
        **routing_headers(to, sender),
    }
    if json_body is not None and content is None:
        content = json.dumps(json_body, separators=(",", ":")).encode()
    if content is not None:
        headers["Content-Type"] = "application/json"
    read_timeout = timeout or settings.OCPI_REQUEST_TIMEOUT
    limits = httpx.Timeout(read_timeout, connect=min(settings.OCPI_CONNECT_TIMEOUT, read_timeout))
    started = time.perf_counter()
    reply = Reply()
    try:
        response = http_client().request(
            method, url, content=content, params=params, headers=headers, timeout=limits
        )
    except httpx.TimeoutException as error:
        reply.error = f"timeout: {type(error).__name__}"
        reply.timed_out = True
    except httpx.HTTPError as error:
        reply.error = f"connection: {type(error).__name__}: {error}"
    else:
        reply.http_status = response.status_code
        reply.headers = dict(response.headers)
        reply.content = response.content
        try:
            reply.body = response.json()
        except ValueError:
            reply.body = None
        code = reply.body.get("status_code") if isinstance(reply.body, dict) else None
        if isinstance(code, int) and not isinstance(code, bool):
            reply.status_code = code
    reply.duration_ms = (time.perf_counter() - started) * 1000
    logger.info(
        "%s %s -> %s (%.0f ms) request=%s correlation=%s",
        method,
        url,
        reply.summary(),
        reply.duration_ms,
        request_id,
        headers["X-Correlation-ID"],
    )
    return reply


def hub_unreachable_status(reply: Reply) -> int:
    """The 4xxx a requester gets when its request could not be forwarded."""
    if reply.timed_out:
        return status.TIMEOUT_ON_FORWARDED_REQUEST
    if reply.connection_failed:
        return status.CONNECTION_PROBLEM
    return status.HUB_ERROR
