"""A fake OCPI party on 127.0.0.1: versions, version details, credentials, hubclientinfo."""

import base64
import itertools
from urllib.parse import urlsplit

import httpx

from tests.servers import ocpi_ok

DEFAULT_MODULES = (
    ("credentials", "SENDER"),
    ("hubclientinfo", "RECEIVER"),
    ("locations", "RECEIVER"),
)
_serial = itertools.count(1)


def token_header(token: str) -> str:
    return "Token " + base64.b64encode(token.encode()).decode()


def credentials_role(country_code, party_id, role, name="Example"):
    return {
        "role": role,
        "party_id": party_id,
        "country_code": country_code,
        "business_details": {"name": name},
    }


class FakeParty:
    """Answers like a party's OCPI backend and records every request.

    `versions`: the versions it offers; `modules`: (identifier, role) it advertises;
    `roles`: its credentials roles; `call_back_hub`: on a credentials POST/PUT from the hub,
    GET the hub's versions with the token in the body before answering, as real parties do.
    """

    def __init__(
        self,
        party_server,
        *,
        roles=(("NL", "CPO", "CPO"),),
        versions=("2.2.1",),
        modules=DEFAULT_MODULES,
        call_back_hub=False,
    ):
        self.roles = [credentials_role(*role) for role in roles]
        self.versions = versions
        self.modules = modules
        self.call_back_hub = call_back_hub
        self.hub_tokens: list[str] = []  # tokens the hub sent in its credentials
        self.issued: list[str] = []  # tokens this party gave the hub
        self.callbacks: list[httpx.Response] = []
        self.server = party_server(self.respond)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def versions_url(self) -> str:
        return f"{self.url}/ocpi/versions"

    @property
    def received(self):
        return self.server.received

    def requests(self, method: str, path_prefix: str) -> list:
        return [
            r
            for r in self.received
            if r.method == method and urlsplit(r.path).path.startswith(path_prefix)
        ]

    def new_token(self) -> str:
        token = f"party-token-{next(_serial)}"
        self.issued.append(token)
        return token

    def credentials(self, token: str) -> dict:
        return {"token": token, "url": self.versions_url, "roles": self.roles}

    def respond(self, received):
        path = urlsplit(received.path).path.rstrip("/")
        if path == "/ocpi/versions":
            versions = [{"version": v, "url": f"{self.url}/ocpi/{v}"} for v in self.versions]
            return 200, ocpi_ok(versions), {}
        if path == "/ocpi/2.2.1" and "2.2.1" in self.versions:
            endpoints = [
                {
                    "identifier": identifier,
                    "role": role,
                    "url": f"{self.url}/ocpi/2.2.1/{identifier}/{role.lower()}",
                }
                for identifier, role in self.modules
            ]
            return 200, ocpi_ok({"version": "2.2.1", "endpoints": endpoints}), {}
        if path.startswith("/ocpi/2.2.1/credentials") and received.method in ("POST", "PUT"):
            self.hub_tokens.append(received.json["token"])
            if self.call_back_hub:
                self.callbacks.append(
                    httpx.get(
                        received.json["url"],
                        headers={"Authorization": token_header(received.json["token"])},
                        timeout=10,
                    )
                )
            return 200, ocpi_ok(self.credentials(self.new_token())), {}
        if path.startswith("/ocpi/2.2.1/hubclientinfo") and received.method == "PUT":
            return 200, ocpi_ok(), {}
        return 404, ocpi_ok(status_code=2000), {}
