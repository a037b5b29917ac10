"""The platform check: exercise a platform's advertised endpoints and report, check by check.

Read-only towards the platform (GETs only, of lists and of objects the hub owns and that do
not exist) and bounded in requests and time (`PLATFORM_CHECK_MAX_REQUESTS`,
`PLATFORM_CHECK_SECONDS`). What it checks (docs/platform-check.md):

- versions and version details reachable, 2.2.1 offered, the advertised endpoints well-formed
  and the same as those the hub registered;
- each SENDER interface with a list GET: a correct envelope, X-Total-Count, X-Limit, and a
  followable Link when there are more pages (and none on the last);
- the objects served validating against the spec (recorded in the deviation ledger too);
- the DateTime format of every envelope timestamp;
- RECEIVER interfaces answering an OCPI envelope to a GET of an object that does not exist.
"""

import re
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework import serializers

from hub.client import Reply, call, join_url
from hub.exceptions import error_items
from hub.ledger import ledger_path, record
from hub.routing import PartyRef
from hub.serializers import validate
from hub.types import parse_datetime
from parties.models import Deviation, Platform, PlatformCheck, Role

MODULE_IDS = {
    "cdrs",
    "chargingprofiles",
    "commands",
    "credentials",
    "hubclientinfo",
    "locations",
    "sessions",
    "tariffs",
    "tokens",
}
# SENDER interfaces with a paginated list GET: the object each serves, and the role of the
# party that owns the data (OCPI-to of the request).
LISTS = {
    "locations": ("locations.serializers.LocationSerializer", Role.CPO),
    "tariffs": ("tariffs.serializers.TariffSerializer", Role.CPO),
    "sessions": ("sessions.serializers.SessionSerializer", Role.CPO),
    "cdrs": ("cdrs.serializers.CdrSerializer", Role.CPO),
    "tokens": ("tokens.serializers.TokenSerializer", Role.EMSP),
}
# RECEIVER interfaces with a harmless GET: an object of the hub's that does not exist.
PROBED_RECEIVERS = ("locations", "tariffs", "tokens", "sessions", "hubclientinfo")
PROBE_ID = "HUB-CHECK-NONEXISTENT"
PAGE_LIMIT = 10
NEXT_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')


@dataclass
class Result:
    check: str
    ok: bool
    detail: str = ""


class OutOfBudget(Exception):
    """The check used up its requests or its time."""


class Check:
    """One run against one platform; `run` returns the stored PlatformCheck."""

    def __init__(self, platform: Platform):
        self.platform = platform
        self.results: list[Result] = []
        self.requests = 0
        self.max_requests = settings.PLATFORM_CHECK_MAX_REQUESTS
        self.deadline = time.monotonic() + settings.PLATFORM_CHECK_SECONDS
        self.hub = PartyRef(settings.HUB_COUNTRY_CODE, settings.HUB_PARTY_ID)
        self.timestamp_problems: list[str] = []  # reported together, as one check

    # ------------------------------------------------------------------ plumbing

    def report(self, check: str, problems: list[str], passed: str = "") -> bool:
        """One result per problem, or one passing result."""
        for problem in problems:
            self.results.append(Result(check, False, problem))
        if not problems:
            self.results.append(Result(check, True, passed))
        return not problems

    def note(self, module: str, field: str, rule: str) -> None:
        """A problem in the platform's answers, counted in its deviation ledger too."""
        record(self.platform, module, Deviation.Direction.ANSWERED, [(field, rule)])

    def get(self, url: str, to: PartyRef | None = None) -> Reply:
        remaining = self.deadline - time.monotonic()
        if self.requests >= self.max_requests or remaining <= 0:
            raise OutOfBudget
        self.requests += 1
        return call(
            self.platform,
            "GET",
            url,
            to=to,
            sender=self.hub if to is not None else None,
            timeout=max(0.1, min(settings.OCPI_REQUEST_TIMEOUT, remaining)),
        )

    def envelope_problems(self, reply: Reply, url: str, data_type=None) -> list[str]:
        """What is wrong with an answer that should be a successful OCPI envelope."""
        if reply.http_status is None:
            return [f"{url}: no answer ({reply.error})"]
        if reply.status_code is None or isinstance(reply.status_code, bool):
            return [f"{url}: HTTP {reply.http_status}, the body is not an OCPI envelope"]
        problems = []
        if reply.status_code != 1000 or not 200 <= reply.http_status < 300:
            problems.append(
                f"{url}: HTTP {reply.http_status}, status_code {reply.status_code} "
                f"{reply.message}".strip()
            )
        elif data_type is not None and not isinstance(reply.data, data_type):
            what = "a list" if data_type is list else "an object"
            problems.append(f"{url}: data is not {what}")
        return problems

    def check_timestamp(self, reply: Reply, url: str, module: str = "") -> None:
        """DateTime format of the envelope's timestamp (types, DateTime)."""
        if not isinstance(reply.body, dict):
            return
        stamp = reply.body.get("timestamp")
        try:
            parse_datetime(stamp)
        except (TypeError, ValueError) as error:
            self.timestamp_problems.append(f"{url}: timestamp {stamp!r}: {error}")
            if module:
                self.note(module, "(envelope) timestamp", f"Not an OCPI DateTime: {error}")

    def party_of(self, role: str) -> PartyRef | None:
        for party in self.platform.party_list():
            if party.role == role:
                return PartyRef(*party.ref)
        return None

    # ------------------------------------------------------------------ checks

    def run(self) -> PlatformCheck:
        started = timezone.now()
        try:
            endpoints = self.check_versions()
            if endpoints is not None:
                for module in LISTS:
                    if (module, "SENDER") in endpoints:
                        self.check_list(module, endpoints[(module, "SENDER")])
                for module in PROBED_RECEIVERS:
                    if (module, "RECEIVER") in endpoints:
                        self.check_receiver(module, endpoints[(module, "RECEIVER")])
        except OutOfBudget:
            self.results.append(
                Result(
                    "budget",
                    False,
                    f"stopped after {self.requests} requests: the check's request or time "
                    "budget ran out; the checks after this point did not run",
                )
            )
        self.report("DateTime formats", self.timestamp_problems, "every envelope timestamp")
        return PlatformCheck.objects.create(
            platform=self.platform,
            started_at=started,
            finished_at=timezone.now(),
            requests=self.requests,
            results=[asdict(result) for result in self.results],
        )

    def check_versions(self) -> dict[tuple[str, str], str] | None:
        """Versions and version details; the advertised endpoints, or None when unreachable."""
        url = self.platform.versions_url
        if not url:
            self.report("versions", ["the platform has no versions URL (not registered)"])
            return None
        reply = self.get(url)
        self.check_timestamp(reply, url)
        problems = self.envelope_problems(reply, url, list)
        offered = {}
        if not problems:
            offered = {
                str(item.get("version")): item.get("url")
                for item in reply.data
                if isinstance(item, dict)
            }
            if not _is_http_url(offered.get("2.2.1")):
                problems.append(f"{url}: no 2.2.1 with a URL (offered: {sorted(offered)})")
        if not self.report("versions", problems, url):
            return None

        details_url = offered["2.2.1"]
        reply = self.get(details_url)
        self.check_timestamp(reply, details_url)
        problems = self.envelope_problems(reply, details_url, dict)
        if problems:
            self.report("version details", problems)
            return None
        if reply.data.get("version") != "2.2.1":
            problems.append(f"version is {reply.data.get('version')!r}, not '2.2.1'")
        advertised: dict[tuple[str, str], str] = {}
        for index, endpoint in enumerate(reply.data.get("endpoints") or []):
            if not isinstance(endpoint, dict):
                problems.append(f"endpoints[{index}]: not an object")
                continue
            identifier, role, link = (endpoint.get(k) for k in ("identifier", "role", "url"))
            where = f"endpoints[{index}] ({identifier} {role})"
            if identifier not in MODULE_IDS:
                problems.append(f"{where}: identifier {identifier!r} is not a ModuleID")
            if role not in ("SENDER", "RECEIVER"):
                problems.append(f"{where}: role {role!r} is not SENDER or RECEIVER")
            if not _is_http_url(link):
                problems.append(f"{where}: url {link!r} is not an absolute http(s) URL")
            elif len(link) > 255:
                problems.append(f"{where}: url longer than 255 characters")
            if (identifier, role) in advertised:
                problems.append(f"{where}: listed twice")
            if identifier in MODULE_IDS and role in ("SENDER", "RECEIVER") and _is_http_url(link):
                advertised[(identifier, role)] = link
        registered = {(e.identifier, e.role): e.url for e in self.platform.endpoints.all()}
        for key in sorted(set(advertised) | set(registered)):
            if key[0] == "credentials":  # its role is ignored (version_information_endpoint)
                continue
            now, then = advertised.get(key), registered.get(key)
            if now != then:
                problems.append(
                    f"{key[0]} {key[1]}: advertised {now or 'nothing'}, registered "
                    f"{then or 'nothing'}; a credentials update makes the hub fetch them again"
                )
        self.report("version details", problems, f"{len(advertised)} endpoints")
        return advertised

    def check_list(self, module: str, url: str) -> None:
        """A paginated GET of the SENDER interface, its headers, its Link and its objects."""
        serializer_path, owner_role = LISTS[module]
        to = self.party_of(owner_role)
        check = f"{module} SENDER"
        query = f"limit={PAGE_LIMIT}"
        if module == "sessions":  # mod_sessions: date_from is required
            query = f"date_from=2000-01-01T00:00:00Z&{query}"
        first = f"{join_url(url)}?{query}"
        reply = self.get(first, to)
        self.check_timestamp(reply, first, module)
        if not self.report(f"{check}: envelope", self.envelope_problems(reply, first, list)):
            self.note(module, "(response body)", "Must be a successful OCPI envelope with a list")
            return
        page = reply.data
        headers = {name.lower(): value for name, value in reply.headers.items()}
        total = _count(headers.get("x-total-count"))
        limit = _count(headers.get("x-limit"))
        # X-Total-Count may be 0; X-Limit, the most the server returns, may not.
        for name, valid in (("X-Total-Count", total is not None), ("X-Limit", bool(limit))):
            problem = _header(headers, name.lower())
            if not self.report(f"{check}: {name}", [] if valid else [f"{first}: {problem}"]):
                self.note(module, f"({name} header)", f"Required on a paginated answer: {problem}")
        objects = list(page)
        link = NEXT_LINK.search(headers.get("link", ""))
        more = total is not None and total > len(page)
        problems = []
        if link is None and more:
            problems.append(f"{first}: {total} objects, {len(page)} served, and no Link to more")
        elif link is not None and total is not None and not more:
            problems.append(f"{first}: a Link on the last page ({total} objects, all served)")
        elif link is not None:
            next_url = link.group(1)
            following = self.get(next_url, to)
            self.check_timestamp(following, next_url, module)
            found = self.envelope_problems(following, next_url, list)
            problems += [f"the Link is not followable: {problem}" for problem in found]
            if not found:
                objects += following.data
        passed = "followed" if link else "single page"
        if not self.report(f"{check}: Link", problems, passed):
            self.note(
                module, "(Link header)", "Present exactly when there are more pages, and followable"
            )
        self.check_objects(module, import_string(serializer_path), objects)

    def check_objects(self, module: str, serializer_class, objects: list) -> None:
        """Every served object against the spec; deviations also go to the ledger."""
        problems: dict[tuple[str, str], int] = {}
        for item in objects:
            try:
                validate(serializer_class, item)
            except serializers.ValidationError as error:
                for path, rule in error_items(error.detail):
                    key = (ledger_path(path), rule)
                    problems[key] = problems.get(key, 0) + 1
        record(self.platform, module, Deviation.Direction.ANSWERED, list(problems))
        self.report(
            f"{module} SENDER: objects",
            [
                f"{path or '(object)'}: {rule} ({count} of {len(objects)} objects)"
                for (path, rule), count in problems.items()
            ],
            f"{len(objects)} objects valid",
        )

    def check_receiver(self, module: str, url: str) -> None:
        """A GET of an object the hub would own, which does not exist: any OCPI envelope will
        do (a 404 with an envelope is the expected answer)."""
        segments = [self.hub.country_code, self.hub.party_id]
        if module != "hubclientinfo":
            segments.append(PROBE_ID)
        target = join_url(url, *segments)
        to = None  # hubclientinfo is a configuration module: no routing headers
        if module != "hubclientinfo":
            receiving_role = Role.CPO if module == "tokens" else Role.EMSP
            to = self.party_of(receiving_role) or PartyRef(*self.platform.party_list()[0].ref)
        reply = self.get(target, to)
        self.check_timestamp(reply, target, module)
        problems = []
        if reply.http_status is None:
            problems.append(f"{target}: no answer ({reply.error})")
        elif reply.status_code is None or isinstance(reply.status_code, bool):
            problems.append(f"{target}: HTTP {reply.http_status}, the body is not an OCPI envelope")
            self.note(module, "(response body)", "Must be an OCPI envelope, even for a 404")
        self.report(f"{module} RECEIVER: envelope", problems, f"HTTP {reply.http_status}")


def _is_http_url(value) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _count(value) -> int | None:
    try:
        count = int(value)
    except (TypeError, ValueError):
        return None
    return count if count >= 0 else None


def _header(headers: dict, name: str) -> str:
    value = headers.get(name)
    if value is None:
        return f"{name} header missing"
    return (
        f"{name} {value!r} is not a positive count"
        if name == "x-limit"
        else f"{name} {value!r} is not a count"
    )


def check_platform(platform: Platform) -> PlatformCheck:
    """Run the platform check now and store its report."""
    return Check(platform).run()
