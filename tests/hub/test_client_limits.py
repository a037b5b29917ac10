"""What the hub refuses to call, and how long and how much it reads (docs/security.md)."""

import json
import socket
import threading
import time

import pycurl
import pytest

from hub.client import address_allowed, call, check_url
from parties.models import Platform
from tests.servers import ocpi_ok


@pytest.fixture
def platform():
    return Platform(name="Peer", outgoing_token="secret-token-for-peer")


@pytest.fixture
def public_only(settings):
    """Production defaults: no private network allowed."""
    settings.HUB_OUTBOUND_ALLOW = []
    return settings


def resolving(monkeypatch, host: str, address: str):
    """Make `host` resolve to `address` (as a DNS answer would)."""
    real = socket.getaddrinfo

    def getaddrinfo(name, port, *args, **kwargs):
        if name == host:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(name, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
     "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "224.0.0.1"],
)  # fmt: skip
def test_non_public_addresses_are_refused_by_default(public_only, address):
    assert address_allowed(address) is False


@pytest.mark.parametrize("address", ["8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(public_only, address):
    assert address_allowed(address) is True


def test_allow_list_names_private_networks(settings):
    settings.HUB_OUTBOUND_ALLOW = ["10.0.0.0/8"]
    assert address_allowed("10.20.30.40") is True
    assert address_allowed("192.168.1.1") is False


def test_loopback_receiver_is_not_called_without_allow_list(public_only, party_server, platform):
    server = party_server()
    reply = call(platform, "GET", f"{server.url}/versions")
    assert not reply.ok
    assert server.received == []
    assert "HUB_OUTBOUND_ALLOW" in reply.error  # the detail, for logs and the admin
    assert reply.party_summary() == "unreachable"  # what a party is told: no port scanning


def test_host_name_is_checked_by_the_address_it_resolves_to(
    public_only, monkeypatch, party_server, platform
):
    server = party_server()
    resolving(monkeypatch, "peer.example.com", "127.0.0.1")
    reply = call(platform, "GET", f"http://peer.example.com:{server.port}/versions")
    assert reply.connection_failed
    assert server.received == []


def test_metadata_address_behind_a_name_is_refused(public_only, monkeypatch, platform):
    resolving(monkeypatch, "metadata.example.com", "169.254.169.254")
    reply = call(platform, "GET", "http://metadata.example.com/latest/meta-data/")
    assert reply.connection_failed
    assert "169.254.169.254" in reply.error
    assert "169.254" not in reply.party_summary()


def test_allowed_name_is_connected_by_the_checked_address(monkeypatch, party_server, platform):
    server = party_server()
    resolving(monkeypatch, "peer.example.com", "127.0.0.1")
    reply = call(platform, "GET", f"http://peer.example.com:{server.port}/versions")
    assert reply.ok
    assert server.received[0].headers["Host"] == f"peer.example.com:{server.port}"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[", "not a valid URL"),
        ("http://peer.example.com:eighty/", "not a valid URL"),
        ("http://peer.example.com:99999/", "not a valid URL"),
        ("http://user:pw@peer.example.com/", "user information"),
        ("http://peer.example.com/ocpi#", "fragment"),
        ("ftp://peer.example.com/", "absolute http"),
        ("http:///path", "absolute http"),
    ],
)
def test_urls_the_hub_will_not_call(url, reason, party_server, platform):
    with pytest.raises(ValueError, match=reason):
        check_url(url)
    reply = call(platform, "GET", url)
    assert reply.connection_failed
    assert reply.party_summary() == "unreachable"


def test_fragment_does_not_swallow_the_path(party_server, platform):
    server = party_server()
    reply = call(platform, "GET", f"{server.url}/internal#/locations/NL/CPO/1")
    assert not reply.ok
    assert server.received == []


class TrickleServer:
    """Answers headers at once, then one body byte every `interval` seconds."""

    def __init__(self, interval: float, total: int):
        self.interval, self.total = interval, total
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        connection, _ = self.listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % self.total
            )
            for _ in range(self.total):
                if self.stopped.wait(self.interval):
                    return
                try:
                    connection.sendall(b" ")
                except OSError:
                    return

    def stop(self):
        self.stopped.set()
        self.listener.close()


def test_trickling_receiver_is_cut_off_at_the_deadline(platform):
    server = TrickleServer(interval=0.2, total=100)  # 20 s in all, 0.2 s per read
    try:
        started = time.monotonic()
        reply = call(platform, "GET", f"http://127.0.0.1:{server.port}/", timeout=1.0)
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    assert reply.timed_out
    assert elapsed < 2.0


def test_answer_over_the_size_limit_is_refused(settings, party_server, platform):
    settings.OCPI_MAX_ANSWER_BYTES = 10_000
    server = party_server(lambda received: (200, ocpi_ok(data=["x" * 20_000]), {}))
    reply = call(platform, "GET", server.url)
    assert not reply.ok
    assert reply.body is None
    assert "limit" in reply.error


def test_answer_without_length_over_the_size_limit_is_refused(settings, platform):
    settings.OCPI_MAX_ANSWER_BYTES = 10_000
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
            for _ in range(100):  # 100 KB, no Content-Length
                try:
                    connection.sendall(b" " * 1000)
                except OSError:
                    return

    threading.Thread(target=serve, daemon=True).start()
    try:
        reply = call(platform, "GET", f"http://127.0.0.1:{listener.getsockname()[1]}/")
    finally:
        listener.close()
    assert not reply.ok
    assert "limit" in reply.error


def test_deeply_nested_answer_is_refused_not_raised(party_server, platform):
    server = party_server(lambda received: (200, b"[" * 200_000 + b"]" * 200_000, {}))
    reply = call(platform, "GET", server.url)
    assert not reply.ok
    assert "nested" in reply.error


def test_answer_with_out_of_range_number_is_refused(party_server, platform):
    server = party_server(lambda received: (200, b'{"status_code":1000,"data":1e400}', {}))
    reply = call(platform, "GET", server.url)
    assert not reply.ok


def test_calls_from_threads_each_keep_their_own_deadline(party_server, platform):
    slow = TrickleServer(interval=0.2, total=100)
    fast = party_server(lambda received: (200, ocpi_ok(data=json.loads("[1]")), {}))
    replies = {}

    def slow_call():
        replies["slow"] = call(platform, "GET", f"http://127.0.0.1:{slow.port}/", timeout=0.6)

    try:
        thread = threading.Thread(target=slow_call)
        thread.start()
        replies["fast"] = call(platform, "GET", fast.url, timeout=5.0)
        thread.join(timeout=5)
    finally:
        slow.stop()
    assert replies["slow"].timed_out
    assert replies["fast"].ok


def raw_server(answer_headers: bytes = b""):
    """A loopback HTTP/1.1 server on a raw socket: answers every request with OCPI 1000 (and
    `answer_headers`), recording each request's bytes as received by each recv()."""
    listener = socket.create_server(("127.0.0.1", 0))
    reads: list[list[bytes]] = []

    def serve():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                while True:
                    chunks, data = [], b""
                    while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + (
                        int(data.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                        if b"Content-Length: " in data
                        else 0
                    ):
                        time.sleep(0.05)  # whatever else was sent by then arrives in one recv
                        chunk = connection.recv(65536)
                        if not chunk:
                            break
                        chunks.append(chunk)
                        data += chunk
                    if not chunks or not data:
                        break
                    reads.append(chunks)
                    body = json.dumps({"status_code": 1000}).encode()
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + answer_headers
                        + b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                    )

    threading.Thread(target=serve, daemon=True).start()
    return listener, reads


def test_a_kept_alive_connection_carries_the_next_request(platform):
    listener, reads = raw_server()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/ocpi/locations/NL/CPO/L1"
    try:
        for _ in range(2):
            assert call(platform, "PUT", url, content=b'{"id":"L1"}').ok
    finally:
        listener.close()
    assert len(reads) == 2  # one connection accepted, both requests on it
    assert all(b"".join(chunks).endswith(b'{"id":"L1"}') for chunks in reads)


def test_a_partys_cookies_are_not_sent_back(platform):
    listener, reads = raw_server(b"Set-Cookie: session=abc; Path=/\r\n")
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/ocpi/locations"
    try:
        for _ in range(2):
            assert call(platform, "GET", url).ok
    finally:
        listener.close()
    assert all(b"cookie:" not in b"".join(chunks).lower() for chunks in reads)


def test_a_call_libcurl_refuses_fails_alone_and_the_next_call_goes_out(party_server, platform):
    from hub.client import Reply, Transfer, transfer_loop

    server = party_server()
    broken = Transfer(Reply(), "GET", server.url, "c-1")
    broken.handle = pycurl.Curl()
    broken.handle.close()  # libcurl will not take it
    transfer_loop().start(broken)
    reply = broken.future.result(timeout=5)
    assert reply.error.startswith("connection:") and not reply.ok
    assert call(platform, "GET", server.url).ok  # the transfer thread still serves calls
