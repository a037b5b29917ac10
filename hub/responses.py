"""The OCPI response envelope and the JSON-only content negotiation."""

import json

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from hub import status
from hub.types import now


def envelope(data=None, status_code: int = status.SUCCESS, message: str | None = None) -> dict:
    body = {"status_code": status_code, "timestamp": now()}
    if data is not None:
        body["data"] = data
    if message:
        body["status_message"] = message
    return body


def ocpi_response(
    data=None,
    *,
    status_code: int = status.SUCCESS,
    message: str | None = None,
    http_status: int = 200,
    headers: dict | None = None,
) -> Response:
    """A DRF Response carrying the OCPI envelope."""
    return Response(
        envelope(data, status_code, message or _default_message(status_code)),
        status=http_status,
        headers=headers,
    )


def _default_message(status_code: int) -> str | None:
    return "Success" if status_code == status.SUCCESS else None


class OCPIRenderer(BaseRenderer):
    """Compact UTF-8 JSON; the envelope is built by the views and the exception handler."""

    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


class JSONOnlyNegotiation(BaseContentNegotiation):
    """OCPI speaks JSON only: parse bodies as JSON whatever Content-Type says (peers omit it)."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type
