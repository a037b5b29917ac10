"""What the hub's outbound client puts on the wire, and how it reads the answer (the relayed
envelope stays byte for byte what the party answered)."""

import gzip
import socket
import threading

import pytest

from hub.client import call
from hub.routing import PartyRef
from parties.models import Platform


class RawServer:
    """Records each request's bytes as they came; answers every request with `answer`."""

    def __init__(self, answer: bytes):
        self.answer = answer
        self.requests: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += connection.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                while len(body) < length:
                    body += connection.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + body)
                connection.sendall(self.answer)

    def stop(self):
        self.listener.close()


@pytest.fixture
def server():
    body = b'{"status_code":1000,"data":{"allowed":"ALLOWED"},"timestamp":"2024-01-01T00:00:00Z"}'
    running = RawServer(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Total-Count: 1\r\n"
        b'Link: <http://x/?offset=1>; rel="next"\r\nConnection: close\r\n'
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    yield running
    running.stop()


@pytest.fixture
def platform():
    return Platform(name="Peer", outgoing_token="token")


def head_of(request: bytes) -> tuple[bytes, dict[str, str], bytes]:
    """(request line, headers by lower-case name, body) of one request's bytes."""
    head, _, body = request.partition(b"\r\n\r\n")
    line, *fields = head.decode().split("\r\n")
    headers = {}
    for field in fields:
        name, _, value = field.partition(":")
        headers[name.strip().lower()] = value.strip()
    return line.encode(), headers, body


@pytest.mark.parametrize(
    ("method", "path", "params", "content", "target"),
    [
        (
            "POST",
            "/tokens/T%201/authorize",
            {"type": "RFID", "token_type": "RFID"},
            b'{"a":1}',
            "/tokens/T%201/authorize?type=RFID&token_type=RFID",
        ),
        ("GET", "/locations?offset=5&limit=2", None, None, "/locations?offset=5&limit=2"),
        ("GET", "/locations?limit=2&type=X", {"type": "RFID", "z": "1 2"}, None,
         "/locations?type=RFID&z=1+2"),
        ("PUT", "/locations/NL/CPO/1", None, b"", "/locations/NL/CPO/1"),
        ("PATCH", "/l/ü", {}, b"{}", "/l/%C3%BC"),
        ("DELETE", "/x", None, None, "/x"),
    ],
)  # fmt: skip
def test_request_on_the_wire(server, platform, method, path, params, content, target):
    reply = call(
        platform,
        method,
        f"http://127.0.0.1:{server.port}{path}",
        params=params,
        content=content,
        correlation_id="c-1",
        to=PartyRef("DE", "MSP"),
    )
    assert reply.ok
    line, headers, body = head_of(server.requests[0])
    assert line == f"{method} {target} HTTP/1.1".encode()
    assert headers["host"] == f"127.0.0.1:{server.port}"
    assert headers["authorization"] == "Token dG9rZW4="
    assert headers["x-request-id"] == reply.request_id
    assert headers["x-correlation-id"] == "c-1"
    assert (headers["ocpi-to-country-code"], headers["ocpi-to-party-id"]) == ("DE", "MSP")
    assert "expect" not in headers  # no 100-continue round trip before the body
    if content is None and method in ("GET", "DELETE"):
        assert "content-length" not in headers and body == b""
    else:
        assert headers["content-length"] == str(len(content or b""))
        assert headers["content-type"] == "application/json"
        assert body == (content or b"")


def test_answer_headers_and_body_are_read_as_sent(server, platform):
    reply = call(platform, "GET", f"http://127.0.0.1:{server.port}/locations")
    assert reply.content == (
        b'{"status_code":1000,"data":{"allowed":"ALLOWED"},"timestamp":"2024-01-01T00:00:00Z"}'
    )
    assert reply.headers["x-total-count"] == "1"
    assert reply.headers["link"] == '<http://x/?offset=1>; rel="next"'
    assert reply.data == {"allowed": "ALLOWED"}


def test_compressed_answer_is_read_decoded(platform):
    body = b'{"status_code":1000,"timestamp":"2024-01-01T00:00:00Z"}'
    packed = gzip.compress(body)
    server = RawServer(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(packed), packed)
    )
    try:
        reply = call(platform, "GET", f"http://127.0.0.1:{server.port}/v")
    finally:
        server.stop()
    assert reply.content == body
    assert reply.ok
