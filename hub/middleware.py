"""Request-wide OCPI concerns: unique message ids, tolerant path normalisation, the body
limit, and one log context and one metrics count per request."""

import logging
import re
import time
import uuid
from functools import cache

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from whitenoise.middleware import WhiteNoiseMiddleware

from hub import logs, metrics, status
from hub.endpoints import OCPI_ENDPOINTS, VERSION_PREFIX
from hub.responses import envelope

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("hub.requests")
REPEATED_SLASHES = re.compile(r"/{2,}")


@cache
def interfaces() -> dict[str, tuple[str, str]]:
    """The hub's interfaces by path prefix under /ocpi/2.2.1/: (module, role)."""
    return {endpoint.prefix: (endpoint.identifier, endpoint.role) for endpoint in OCPI_ENDPOINTS}


def interface_of(path: str) -> tuple[str, str]:
    """(module, role) of an OCPI path: `/ocpi/2.2.1/receiver/locations/NL/...`."""
    if not path.startswith("/" + VERSION_PREFIX):
        return ("versions", "-")
    parts = path[len(VERSION_PREFIX) + 1 :].split("/", 2)
    known = interfaces()
    return known.get("/".join(parts[:2])) or known.get(parts[0]) or ("versions", "-")


def ocpi_status_of(response) -> str:
    """The OCPI status_code the hub answered (or relayed), without parsing the body again."""
    code = getattr(response, "ocpi_status_code", None)
    if code is None:
        data = getattr(response, "data", None)
        code = data.get("status_code") if isinstance(data, dict) else None
    return str(code) if code is not None else "none"


def too_large(request, always: bool = False) -> JsonResponse | None:
    """HTTP 413 for a body over OCPI_MAX_BODY_BYTES, refused before a byte of it is read."""
    limit = settings.OCPI_MAX_BODY_BYTES
    length = request.META.get("CONTENT_LENGTH") or ""
    if always or (length.isdigit() and int(length) > limit):
        message = f"Request body is over the {limit} bytes limit"
        return JsonResponse(envelope(None, status.CLIENT_ERROR, message), status=413)
    return None


def nul_in_url(request) -> JsonResponse | None:
    """2001 for a NUL character in the path or query: no id or parameter can hold one, and
    PostgreSQL refuses it even in a comparison."""
    query = request.META.get("QUERY_STRING", "")
    if "\x00" in request.path_info or "%00" in query or "\x00" in query:
        message = "URL: the NUL character (%00) is not allowed in a path or query parameter"
        response = JsonResponse(envelope(None, status.INVALID_OR_MISSING_PARAMETERS, message))
        response.status_code = 400
        return response
    return None


def ocpi_request_middleware(get_response):
    """Echo X-Request-ID / X-Correlation-ID (generated when absent) and normalise OCPI paths.

    Peers build URLs by concatenation or by joining with `/`, so `//` and a trailing `/`
    both reach the hub: OCPI paths are matched with single slashes and no trailing slash.
    """

    def middleware(request):
        request.ocpi_request_id = request.headers.get("X-Request-ID") or str(uuid.uuid4())
        request.ocpi_correlation_id = (
            request.headers.get("X-Correlation-ID") or request.ocpi_request_id
        )
        ocpi = request.path_info.startswith("/ocpi/")
        if ocpi:
            path = REPEATED_SLASHES.sub("/", request.path_info)
            request.path_info = path.rstrip("/") if len(path) > 1 else path
        module, role = interface_of(request.path_info) if ocpi else ("-", "-")
        from_party = request.headers.get("OCPI-from-party-id")
        logs.start(
            request_id=request.ocpi_request_id,
            correlation_id=request.ocpi_correlation_id,
            module=module if ocpi else None,
            party=f"{request.headers.get('OCPI-from-country-code')}*{from_party}"
            if from_party
            else None,
        )
        started = time.perf_counter()
        try:
            response = too_large(request) or nul_in_url(request) or get_response(request)
        except RequestDataTooBig:
            response = too_large(request, always=True)
        except Exception:  # views answer their own errors; this is the last resort
            logger.exception("Unhandled error in request %s", request.ocpi_request_id)
            response = JsonResponse(
                envelope(None, status.SERVER_ERROR, "Internal hub error"), status=500
            )
            response.ocpi_status_code = status.SERVER_ERROR
        response["X-Request-ID"] = request.ocpi_request_id
        response["X-Correlation-ID"] = request.ocpi_correlation_id
        if ocpi:
            outcome = ocpi_status_of(response)
            metrics.REQUESTS.labels(
                module, role, request.method, outcome, response.status_code
            ).inc()
            # One line per request: at INFO when it did not succeed, at DEBUG when it did (a
            # line per accepted push costs more than the rest of this middleware together).
            level = (
                logging.DEBUG if outcome == "1000" and response.status_code < 400 else logging.INFO
            )
            if access_logger.isEnabledFor(level):
                logs.bind(outcome=outcome)
                kwargs = getattr(request.resolver_match, "kwargs", None) or {}
                if logs.current().get("party") is None and "party_id" in kwargs:
                    logs.bind(party=f"{kwargs['country_code']}*{kwargs['party_id']}".upper())
                access_logger.log(
                    level,
                    "%s %s -> HTTP %s OCPI %s (%.0f ms)",
                    request.method,
                    request.path_info,
                    response.status_code,
                    outcome,
                    (time.perf_counter() - started) * 1000,
                )
        logs.clear()
        return response

    return middleware


def for_browsers(middleware_class):
    """`middleware_class`, run for the admin and the API docs but not for OCPI calls.

    An OCPI call (a path under /ocpi/) carries a platform's token, never a session or a
    cookie, and is not a page to frame or a static file: sessions, CSRF, the admin's user,
    messages, clickjacking headers and static files are browser concerns, and running them
    cost every push about 0.2 ms of CPU. A subclass, so Django's checks still find them.
    """

    class ForBrowsers(middleware_class):
        def __call__(self, request):
            if request.path_info.startswith("/ocpi/"):
                return self.get_response(request)
            return super().__call__(request)

    if hasattr(middleware_class, "process_view"):  # (CSRF's check runs as a view hook)

        def process_view(self, request, *args):
            if request.path_info.startswith("/ocpi/"):
                return None
            return middleware_class.process_view(self, request, *args)

        ForBrowsers.process_view = process_view
    ForBrowsers.__name__ = ForBrowsers.__qualname__ = f"{middleware_class.__name__}ForBrowsers"
    return ForBrowsers


WhiteNoiseForBrowsers = for_browsers(WhiteNoiseMiddleware)
SessionForBrowsers = for_browsers(SessionMiddleware)
CsrfForBrowsers = for_browsers(CsrfViewMiddleware)
AuthenticationForBrowsers = for_browsers(AuthenticationMiddleware)
MessagesForBrowsers = for_browsers(MessageMiddleware)
ClickjackingForBrowsers = for_browsers(XFrameOptionsMiddleware)
