"""The one outbound client: every call the hub makes to a party goes through `call`.

It sets the hub's token for the platform (Base64, or raw for peers that expect it), a new
X-Request-ID, the caller's X-Correlation-ID and the routing headers; it never raises on
HTTP or network errors and never writes a token to a log line.

Parties choose the URLs the hub calls, so every call is limited (docs/security.md):
- the address is checked when the socket connects, after DNS resolution, so a name that
  resolves elsewhere later cannot reach a private network: only public addresses, and those
  the HUB_OUTBOUND_ALLOW setting names, are connected to;
- one deadline covers the whole call (connect, send, every read), so a receiver trickling
  bytes cannot hold a web thread or a worker;
- the answer is read up to OCPI_MAX_ANSWER_BYTES and its JSON nesting is bounded.
"""

import base64
import contextvars
import functools
import ipaddress
import json
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

import httpcore
import httpx
from django.conf import settings
from httpx._transports.default import ResponseStream, map_httpcore_exceptions

from hub import status
from hub.jsonlimits import JSONRefused, parse_json
from hub.routing import PartyRef, routing_headers

logger = logging.getLogger(__name__)

_clients: dict[tuple[int, str], httpx.Client] = {}
_clients_lock = threading.Lock()


def check_url(url: str) -> str:
    """`url` if the hub may call it: absolute http(s), a host, a numeric port, no user
    information and no fragment (a `#` would turn the path the hub appends into a fragment).
    ValueError saying what is wrong otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError for a port that is not a number in 0-65535
    except ValueError:
        raise ValueError("not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise ValueError("expected an absolute http(s) URL")
    if "@" in parts.netloc:
        raise ValueError("user information (user@host) is not allowed")
    if "#" in url:
        raise ValueError("a fragment (#) is not allowed")
    if port == 0:
        raise ValueError("port 0 is not allowed")
    return url


@functools.cache
def _networks(allowed: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(network, strict=False) for network in allowed)


def address_allowed(address: str) -> bool:
    """Public (globally routable) unicast addresses, and those HUB_OUTBOUND_ALLOW names."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in _networks(tuple(settings.HUB_OUTBOUND_ALLOW))):
        return True
    return ip.is_global and not ip.is_multicast


class RefusedAddress(httpcore.ConnectError):
    """The party's host resolves only to addresses the hub does not call."""


# The end (time.monotonic()) of the call running in this thread; every connect, read and write
# waits at most until then. A context variable, so threads calling `call` each have their own.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "ocpi_call_deadline", default=None
)


def _remaining(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise error("deadline of the call passed")
    return remaining if timeout is None else min(timeout, remaining)


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads and writes end at the current call's deadline.

    A request's head and body are sent in one write: httpcore writes them separately, and each
    write is a system call (on loopback the receiver's side of it runs in it too). What is
    written is held until the next read, which comes only after the whole request was written.
    """

    COALESCE_BYTES = 65536  # larger bodies are not copied to be joined

    def __init__(self, stream: httpcore.NetworkStream):
        self._stream = stream
        self._held = b""
        self._held_timeout: float | None = None

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self._send_held()
        return self._stream.read(max_bytes, _remaining(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if len(self._held) + len(buffer) <= self.COALESCE_BYTES:
            self._held += buffer
            self._held_timeout = timeout
            return
        self._send_held()
        self._stream.write(buffer, _remaining(timeout, httpcore.WriteTimeout))

    def _send_held(self) -> None:
        if self._held:
            held, self._held = self._held, b""
            self._stream.write(held, _remaining(self._held_timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._held = b""
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        self._send_held()
        timeout = _remaining(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    """Resolves the host itself and connects only to an allowed address, by that address
    (TLS still verifies the certificate against the host name)."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        timeout = _remaining(timeout, httpcore.ConnectTimeout)
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from None
        addresses = list(dict.fromkeys(info[4][0] for info in found))
        allowed = [address for address in addresses if address_allowed(address)]
        if not allowed:
            raise RefusedAddress(
                f"{host} resolves to {', '.join(addresses)}: not a public address and not "
                "in HUB_OUTBOUND_ALLOW"
            )
        error: Exception = RefusedAddress(host)
        for address in allowed:  # as socket.create_connection does, the first that answers
            try:
                stream = super().connect_tcp(
                    address,
                    port,
                    _remaining(timeout, httpcore.ConnectTimeout),
                    local_address,
                    socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as failed:
                error = failed
            else:
                return DeadlineStream(stream)
        raise error


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with the guarded network backend.

    httpx takes no network backend argument, so the pool it built is given one; giving the
    client a transport also keeps proxies from the environment out of the path.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._pool._network_backend = GuardedBackend()


# Clients are kept per origin: httpcore's pool looks at each of its connections (a poll() of
# every idle socket) whenever a request starts or ends, so one pool shared by every receiver
# costs each request time in proportion to all the hub's connections. Bounded, oldest first
# dropped (a party chooses its URLs); a dropped client closes when its last call ends.
MAX_POOLS = 1000
_ssl_context = None


def http_client(url: str = "") -> httpx.Client:
    """The pooled client of this process for `url`'s origin (connections to each receiver are
    reused)."""
    global _ssl_context
    key = (os.getpid(), "/".join(url.split("/", 3)[:3]).lower())
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                if any(pid != key[0] for pid, _ in _clients):
                    _clients.clear()  # a forked child must not reuse its parent's sockets
                    _ssl_context = None
                if _ssl_context is None:  # loading the CA bundle costs milliseconds: once
                    _ssl_context = httpx.create_ssl_context()
                limits = httpx.Limits(max_connections=200, max_keepalive_connections=64)
                client = httpx.Client(
                    transport=GuardedTransport(limits=limits, verify=_ssl_context),
                    follow_redirects=False,
                )
                while len(_clients) >= MAX_POOLS:
                    del _clients[next(iter(_clients))]
                _clients[key] = client
    return client


def send_request(
    method: str, url: str, params, headers: dict, content: bytes | None, timeouts: dict
) -> httpx.Response:
    """Send one request on the pooled client's connections; the answer's body is left to read.

    What `httpx.Client.stream` sends and answers (the same URL, headers, body, decoded answer
    and httpx exceptions), without the client's layers this hub does not use (authentication,
    redirects, cookies, event hooks): at a millisecond per call they were most of what a
    relayed real-time authorization added over calling the eMSP directly. Going through the
    pool keeps the guarded backend (the address check at connect time) and the deadline.
    """
    client = http_client(url)
    # As httpx 0.28 does: `params`, even empty, replace the URL's own query.
    target = httpx.URL(url) if params is None else httpx.URL(url, params=params)
    method = method.upper()
    raw = [(b"Host", target.netloc)]
    if not content and method in ("POST", "PUT", "PATCH"):
        raw.append((b"Content-Length", b"0"))
    raw += client.headers.raw
    raw += [(name.encode("ascii"), value.encode("ascii")) for name, value in headers.items()]
    if content:
        raw.append((b"Content-Length", str(len(content)).encode("ascii")))
    request = httpcore.Request(
        method=method.encode("ascii"),
        url=httpcore.URL(
            scheme=target.raw_scheme, host=target.raw_host, port=target.port, target=target.raw_path
        ),
        headers=raw,
        content=content or b"",
        extensions={"timeout": timeouts},
    )
    with map_httpcore_exceptions():
        answer = client._transport._pool.handle_request(request)
    return httpx.Response(
        status_code=answer.status,
        headers=answer.headers,
        stream=ResponseStream(answer.stream),
        extensions=answer.extensions,
    )


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
    request_id: str = ""  # the X-Request-ID the hub sent

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
            not self.error
            and self.http_status is not None
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

    def party_summary(self) -> str:
        """What a party may be told: no addresses or network errors (`summary` is for logs
        and the admin)."""
        if self.timed_out:
            return "unreachable (no answer in time)"
        if self.connection_failed:
            return "unreachable"
        if self.error:
            return f"HTTP {self.http_status}: answer refused (too large or too deeply nested)"
        return self.summary()

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
    total = timeout or settings.OCPI_REQUEST_TIMEOUT
    limits = {"connect": min(settings.OCPI_CONNECT_TIMEOUT, total)}
    limits.update(read=total, write=total, pool=total)
    started = time.perf_counter()
    reply = Reply(request_id=request_id)
    deadline = _deadline.set(time.monotonic() + total)
    try:
        check_url(url)
        response = send_request(method, url, params, headers, content, limits)
        try:
            reply.http_status = response.status_code
            reply.headers = dict(response.headers)
            reply.content = read_capped(response)
        finally:
            response.close()
    except httpx.TimeoutException as error:
        reply.http_status, reply.timed_out = None, True
        reply.error = f"timeout: {type(error).__name__}: {error}"
    except AnswerRefused as error:
        reply.error = f"answer refused: {error}"
    except (httpx.HTTPError, ValueError) as error:  # ValueError: check_url refused the URL
        reply.http_status = None
        reply.error = f"connection: {type(error).__name__}: {error}"
    finally:
        _deadline.reset(deadline)
    try:
        reply.body = parse_json(reply.content) if reply.content else None
    except JSONRefused as error:
        reply.error = f"answer refused: {error}"
    except ValueError:
        reply.body = None  # not JSON: callers see no OCPI body
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


class AnswerRefused(ValueError):
    """An answer the hub does not read: larger than OCPI_MAX_ANSWER_BYTES."""


def read_capped(response: httpx.Response) -> bytes:
    """The (decoded) body, at most OCPI_MAX_ANSWER_BYTES; AnswerRefused beyond."""
    cap = settings.OCPI_MAX_ANSWER_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        raise AnswerRefused(f"answer of {declared} bytes is over the {cap} bytes limit")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > cap:
            raise AnswerRefused(f"answer is over the {cap} bytes limit")
        chunks.append(chunk)
    return b"".join(chunks)


def hub_unreachable_status(reply: Reply) -> int:
    """The 4xxx a requester gets when its request could not be forwarded."""
    if reply.timed_out:
        return status.TIMEOUT_ON_FORWARDED_REQUEST
    if reply.connection_failed:
        return status.CONNECTION_PROBLEM
    return status.HUB_ERROR
