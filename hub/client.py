"""The one outbound client: every call the hub makes to a party goes through `call` (or
`start_call`, which does not wait for the answer).

It sets the hub's token for the platform (Base64, or raw for peers that expect it), a new
X-Request-ID, the caller's X-Correlation-ID and the routing headers; it never raises on
HTTP or network errors and never writes a token to a log line. Calls are made by libcurl, on
one thread per process (`TransferLoop`), over kept-alive connections.

Parties choose the URLs the hub calls, so every call is limited (docs/security.md):
- the host's addresses are checked after DNS resolution and libcurl connects only to those
  checked (a name that resolves elsewhere later cannot reach a private network): only public
  addresses, and those the HUB_OUTBOUND_ALLOW setting names, are connected to;
- one deadline covers the whole call (connect, send, every read), so a receiver trickling
  bytes cannot hold a web thread or a worker;
- the answer is read up to OCPI_MAX_ANSWER_BYTES and its JSON nesting is bounded;
- no proxy from the environment, no redirect followed, no cookie kept, HTTP(S) only.
"""

import base64
import contextlib
import contextvars
import functools
import ipaddress
import json
import logging
import os
import selectors
import socket
import threading
import time
import uuid
from collections import deque
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import certifi
import pycurl
from django.conf import settings

from hub import status
from hub.jsonlimits import JSONRefused, parse_json
from hub.routing import PartyRef, routing_headers

logger = logging.getLogger(__name__)


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


class RefusedAddress(ValueError):
    """The party's host resolves only to addresses the hub does not call."""


# How long a host name's addresses are used before it is resolved again (libcurl's own DNS
# cache keeps names for 60 s). Every call checks the addresses, whatever their age.
RESOLVED_FOR = 30.0
_resolved: dict[tuple[str, int], tuple[float, list[str]]] = {}


def checked_addresses(host: str, port: int) -> list[str]:
    """The addresses of `host` the hub may connect to; RefusedAddress when there are none."""
    try:
        addresses = [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        now = time.monotonic()
        cached = _resolved.get((host, port))
        if cached is None or cached[0] < now:
            try:
                found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError) as error:
                raise RefusedAddress(f"cannot resolve {host}: {error}") from None
            cached = (now + RESOLVED_FOR, list(dict.fromkeys(info[4][0] for info in found)))
            if len(_resolved) >= 10_000:
                _resolved.clear()
            _resolved[(host, port)] = cached
        addresses = cached[1]
    allowed = [address for address in addresses if address_allowed(address)]
    if not allowed:
        raise RefusedAddress(
            f"{host} resolves to {', '.join(addresses)}: not a public address and not "
            "in HUB_OUTBOUND_ALLOW"
        )
    return allowed


class Transfer:
    """One call: libcurl's handle, what has come back, and the future Reply."""

    def __init__(self, reply: Reply, method: str, url: str, correlation_id: str):
        self.reply, self.method, self.url, self.correlation_id = reply, method, url, correlation_id
        self.handle: pycurl.Curl | None = None
        self.future: Future[Reply] = Future()
        self.chunks: list[bytes] = []
        self.size, self.cap, self.too_large = 0, 0, False
        self.headers: dict[str, str] = {}
        self.started = time.perf_counter()
        self.context = contextvars.copy_context()  # the caller's request id, for the log

    def listen(self, cap: int) -> None:
        """Receive the answer's headers and at most `cap` bytes of its (decoded) body."""
        self.cap = cap
        self.handle.setopt(pycurl.WRITEFUNCTION, self.body_received)
        self.handle.setopt(pycurl.HEADERFUNCTION, self.header_received)

    def body_received(self, chunk: bytes):
        self.size += len(chunk)
        if self.size > self.cap:
            self.too_large = True
            return 0  # libcurl ends the transfer (a write error)
        self.chunks.append(chunk)
        return None

    def header_received(self, line: bytes) -> None:
        if line.startswith(b"HTTP/"):  # a new answer (after a 100 Continue): its own headers
            self.headers = {}
            return
        name, colon, value = line.decode("latin-1").partition(":")
        if colon:
            name, value = name.strip().lower(), value.strip()
            known = self.headers.get(name)
            self.headers[name] = value if known is None else f"{known}, {value}"

    def ended(self, error: tuple[int, str] | None) -> None:
        """The transfer ended (on the loop's thread), with libcurl's error if it failed."""
        reply = self.reply
        status_code = self.handle.getinfo(pycurl.RESPONSE_CODE) or None
        if error is None:
            reply.http_status, reply.headers = status_code, self.headers
            reply.content = b"".join(self.chunks)
        elif error[0] == pycurl.E_OPERATION_TIMEDOUT:
            reply.timed_out = True
            reply.error = f"timeout: {error[1]}"
        elif self.too_large or error[0] == pycurl.E_FILESIZE_EXCEEDED:
            reply.http_status, reply.headers = status_code, self.headers
            reply.error = f"answer refused: answer is over the {self.cap} bytes limit"
        else:
            reply.error = f"connection: {error[1]}"
        self.chunks = []
        self.context.run(self.finish)

    def finish(self) -> None:
        """Read the envelope, log the call (never its token) and hand the Reply over."""
        reply = self.reply
        try:
            reply.body = parse_json(reply.content) if reply.content else None
        except JSONRefused as error:
            reply.error = f"answer refused: {error}"
        except ValueError:
            reply.body = None  # not JSON: callers see no OCPI body
        code = reply.body.get("status_code") if isinstance(reply.body, dict) else None
        if isinstance(code, int) and not isinstance(code, bool):
            reply.status_code = code
        reply.duration_ms = (time.perf_counter() - self.started) * 1000
        logger.info(
            "%s %s -> %s (%.0f ms) request=%s correlation=%s",
            *(self.method, self.url, reply.summary(), reply.duration_ms),
            *(reply.request_id, self.correlation_id),
        )
        self.future.set_result(reply)


class TransferLoop:
    """Every outbound call of this process, on one thread, through libcurl's multi interface.

    Connections to each party are kept alive and reused, and a call costs a few tens of µs of
    CPU: the pure-Python HTTP stack the hub used before cost over half a millisecond per call,
    most of a delivery's CPU. Callers hand a prepared handle over (`start`) and wait on its
    future; only this thread touches the multi handle.
    """

    def __init__(self):
        self.pid = os.getpid()
        self.multi = pycurl.CurlMulti()
        self.multi.setopt(pycurl.M_MAXCONNECTS, MAX_CONNECTIONS)
        self.multi.setopt(pycurl.M_SOCKETFUNCTION, self.watch)
        self.multi.setopt(pycurl.M_TIMERFUNCTION, self.set_timer)
        self.selector = selectors.DefaultSelector()
        self.waker, self.wake_end = socket.socketpair()
        self.waker.setblocking(False)
        self.wake_end.setblocking(False)
        self.selector.register(self.waker, selectors.EVENT_READ)
        self.incoming: deque[Transfer] = deque()
        self.running: dict[pycurl.Curl, Transfer] = {}
        self.timer_at: float | None = None
        threading.Thread(target=self.run, name="ocpi-transfers", daemon=True).start()

    def start(self, transfer: Transfer) -> None:
        self.incoming.append(transfer)
        with contextlib.suppress(BlockingIOError):  # (already woken: the buffer is full)
            self.wake_end.send(b"\0")

    def watch(self, what: int, fd: int, _multi, _data) -> None:
        """libcurl's socket callback: which sockets to wait on, for what."""
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.selector.unregister(fd)
        events = {
            pycurl.POLL_IN: selectors.EVENT_READ,
            pycurl.POLL_OUT: selectors.EVENT_WRITE,
            pycurl.POLL_INOUT: selectors.EVENT_READ | selectors.EVENT_WRITE,
        }.get(what)
        if events:
            self.selector.register(fd, events, fd)

    def set_timer(self, milliseconds: int) -> None:
        self.timer_at = None if milliseconds < 0 else time.monotonic() + milliseconds / 1000

    def run(self) -> None:
        while True:
            try:
                self.step()
            except Exception:  # every other call of the process depends on this thread
                logger.exception("outbound transfers: unexpected error, going on")

    def step(self) -> None:
        """Wait for a socket, the timer or a new call; let libcurl act; hand results over."""
        timeout = None
        if self.timer_at is not None:
            timeout = max(0.0, self.timer_at - time.monotonic())
        for key, events in self.selector.select(timeout):
            if key.data is None:
                with contextlib.suppress(BlockingIOError):
                    self.waker.recv(4096)
                continue
            flags = (pycurl.CSELECT_IN if events & selectors.EVENT_READ else 0) | (
                pycurl.CSELECT_OUT if events & selectors.EVENT_WRITE else 0
            )
            self.multi.socket_action(key.data, flags)
        if self.timer_at is not None and self.timer_at <= time.monotonic():
            self.timer_at = None
            self.multi.socket_action(pycurl.SOCKET_TIMEOUT, 0)
        added = False
        while self.incoming:
            transfer = self.incoming.popleft()
            try:
                self.multi.add_handle(transfer.handle)
            except pycurl.error as error:  # (a call libcurl refuses fails alone)
                transfer.reply.error = f"connection: {error}"
                transfer.context.run(transfer.finish)
                continue
            self.running[transfer.handle] = transfer
            added = True
        if added:  # start them at once: libcurl would ask for it by a timer, a step later
            self.multi.socket_action(pycurl.SOCKET_TIMEOUT, 0)
        self.collect()

    def collect(self) -> None:
        while True:
            left, succeeded, failed = self.multi.info_read()
            for handle, *error in [(h,) for h in succeeded] + failed:
                transfer = self.running.pop(handle)
                self.multi.remove_handle(handle)
                try:
                    transfer.ended(tuple(error) or None)
                except Exception as problem:  # the loop serves every other call: it goes on
                    logger.exception("outbound call could not be completed")
                    transfer.future.set_exception(problem)
                handle.reset()
                if len(_idle_handles) < MAX_IDLE_HANDLES:
                    _idle_handles.append(handle)
            if not left:
                return


# Connections kept open by one process (to every party together), and easy handles kept for
# reuse (a handle keeps its buffers between calls).
USER_AGENT = "ocpi-hub"
MAX_CONNECTIONS = 1000
MAX_IDLE_HANDLES = 256
_idle_handles: deque[pycurl.Curl] = deque()
_loop: TransferLoop | None = None
_loop_lock = threading.Lock()


def transfer_loop() -> TransferLoop:
    """This process's loop (a forked child starts its own: the parent's thread is not here)."""
    global _loop
    if _loop is None or _loop.pid != os.getpid():
        with _loop_lock:
            if _loop is None or _loop.pid != os.getpid():
                _idle_handles.clear()
                _loop = TransferLoop()
    return _loop


def prepared_handle(
    method: str, url: str, headers: dict, content: bytes | None, total: float
) -> pycurl.Curl:
    """A libcurl handle for one call: the party's URL pinned to its checked addresses, one
    deadline for the whole call, no proxy, no redirects, no cookies, HTTP(S) only."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname
    addresses = checked_addresses(host, port)
    handle = _idle_handles.pop() if _idle_handles else pycurl.Curl()
    handle.setopt(pycurl.URL, url)
    if addresses != [host.strip("[]")]:  # a name: connect only to the addresses checked
        pinned = ",".join(f"[{a}]" if ":" in a else a for a in addresses)
        handle.setopt(pycurl.RESOLVE, [f"{host}:{port}:{pinned}"])
    handle.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
    handle.setopt(pycurl.PROXY, "")  # not the environment's proxies
    handle.setopt(pycurl.NOSIGNAL, 1)
    handle.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
    handle.setopt(pycurl.CAINFO, certifi.where())
    handle.setopt(pycurl.ACCEPT_ENCODING, "")  # every encoding libcurl decodes
    handle.setopt(pycurl.USERAGENT, USER_AGENT)
    handle.setopt(pycurl.CONNECTTIMEOUT_MS, int(min(settings.OCPI_CONNECT_TIMEOUT, total) * 1000))
    handle.setopt(pycurl.TIMEOUT_MS, int(total * 1000))
    handle.setopt(pycurl.MAXFILESIZE, settings.OCPI_MAX_ANSWER_BYTES)
    method = method.upper()
    with_body = content is not None or method in ("POST", "PUT", "PATCH")
    if with_body:
        handle.setopt(pycurl.POSTFIELDS, content or b"")
    if method != ("POST" if with_body else "GET"):  # (a body makes libcurl's default POST)
        handle.setopt(pycurl.CUSTOMREQUEST, method)
    lines = [f"{name}: {value}" for name, value in headers.items()]
    lines.append("Expect:")  # no "100-continue" round trip before a body over 1 KiB
    handle.setopt(pycurl.HTTPHEADER, lines)
    return handle


def call(platform, method: str, url: str, **options) -> Reply:
    """Send one OCPI request to a platform and wait for its Reply (`start_call`'s options)."""
    total = options.get("timeout") or settings.OCPI_REQUEST_TIMEOUT
    try:
        return start_call(platform, method, url, **options).result(timeout=total + 5)
    except FutureTimeout:  # libcurl ends every call at its deadline: this is a safety net
        return Reply(timed_out=True, error="timeout: the call did not end in time")


def start_call(
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
) -> "Future[Reply]":
    """Start one OCPI request to a platform; `token` overrides the platform's stored one.

    The future's Reply comes when the call ended, within `timeout` (OCPI_REQUEST_TIMEOUT)."""
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
    reply = Reply(request_id=request_id)
    transfer = Transfer(reply, method, url, headers["X-Correlation-ID"])
    try:
        url = with_params(check_url(url), params)
        transfer.handle = prepared_handle(method, url, headers, content, total)
    except ValueError as error:  # check_url or checked_addresses refused it
        reply.error = f"connection: {type(error).__name__}: {error}"
        transfer.finish()
        return transfer.future
    transfer.listen(settings.OCPI_MAX_ANSWER_BYTES)
    transfer_loop().start(transfer)
    return transfer.future


def with_params(url: str, params: dict | None) -> str:
    """`url` with `params` as its query (as httpx did: `params`, even empty, replace the URL's
    own query), and what is not ASCII percent-encoded as UTF-8."""
    if params is not None:
        url = url.split("?", 1)[0] + (f"?{urlencode(params)}" if params else "")
    if not url.isascii():
        parts = urlsplit(url)
        url = urlunsplit(
            (
                parts.scheme,
                parts.netloc.encode("idna").decode("ascii"),
                quote(parts.path, safe="/%:@!$&'()*+,;="),
                quote(parts.query, safe="=&%+/:@!$'()*,;?"),
                "",
            )
        )
    return url


def hub_unreachable_status(reply: Reply) -> int:
    """The 4xxx a requester gets when its request could not be forwarded."""
    if reply.timed_out:
        return status.TIMEOUT_ON_FORWARDED_REQUEST
    if reply.connection_failed:
        return status.CONNECTION_PROBLEM
    return status.HUB_ERROR
