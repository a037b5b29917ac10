"""`send_request` puts on the wire what `httpx.Client.stream` did, and reads the answer as it
did (the relayed envelope stays byte for byte what the party answered)."""

import gzip
import socket
import threading

import httpx
import pytest

from hub.client import send_request

TIMEOUTS = {"connect": 3.0, "read": 3.0, "write": 3.0, "pool": 3.0}


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


HEADERS = {
    "Authorization": "Token dG9rZW4=",
    "X-Request-ID": "r-1",
    "X-Correlation-ID": "c-1",
    "OCPI-to-country-code": "DE",
    "OCPI-to-party-id": "MSP",
}


@pytest.mark.parametrize(
    ("method", "path", "params", "content"),
    [
        ("POST", "/tokens/T%201/authorize", {"type": "RFID", "token_type": "RFID"}, b'{"a":1}'),
        ("GET", "/locations?offset=5&limit=2", None, None),
        ("GET", "/locations?limit=2&type=X", {"type": "RFID", "z": "1 2"}, None),
        ("PUT", "/locations/NL/CPO/1", None, b""),
        ("PATCH", "/l/ü", {}, b"{}"),
        ("DELETE", "/x", None, None),
    ],
)
def test_request_bytes_are_those_httpx_sends(server, method, path, params, content):
    url = f"http://127.0.0.1:{server.port}{path}"
    with (
        httpx.Client() as client,
        client.stream(
            method, url, params=params, headers=HEADERS, content=content, timeout=3
        ) as response,
    ):
        expected_body = response.read()
        expected_headers = dict(response.headers)
    response = send_request(method, url, params, dict(HEADERS), content, TIMEOUTS)
    try:
        assert response.read() == expected_body
        assert dict(response.headers) == expected_headers
    finally:
        response.close()
    assert server.requests[1] == server.requests[0]


def test_compressed_answer_is_read_decoded_as_httpx_reads_it():
    body = b'{"status_code":1000,"timestamp":"2024-01-01T00:00:00Z"}'
    packed = gzip.compress(body)
    server = RawServer(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(packed), packed)
    )
    try:
        response = send_request(
            "GET", f"http://127.0.0.1:{server.port}/v", None, {}, None, TIMEOUTS
        )
        assert b"".join(response.iter_bytes()) == body
        response.close()
    finally:
        server.stop()
