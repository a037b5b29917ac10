"""OCPI errors and the DRF exception handler that puts every error in the envelope."""

import logging
import math

from django.core.exceptions import RequestDataTooBig
from django.db import DataError, IntegrityError
from rest_framework import exceptions as drf
from rest_framework.response import Response

from hub import status
from hub.responses import envelope

logger = logging.getLogger(__name__)


class OCPIError(Exception):
    """An error answered with an OCPI status code (HTTP 200 unless the spec says otherwise)."""

    def __init__(self, status_code: int, message: str, http_status: int = 200):
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.http_status = http_status


def invalid(message: str, http_status: int = 200) -> OCPIError:
    """2001: the request is understood but a field or parameter is invalid or missing."""
    return OCPIError(status.INVALID_OR_MISSING_PARAMETERS, message, http_status)


def not_found(message: str, status_code: int = status.CLIENT_ERROR) -> OCPIError:
    return OCPIError(status_code, message, http_status=404)


def error_items(detail, path: str = "") -> list[tuple[str, str]]:
    """DRF's nested error detail as (`field.sub[0].name`, message) pairs."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            if key == "non_field_errors":
                child = path
            elif isinstance(key, int):
                child = f"{path}[{key}]"
            else:
                child = f"{path}.{key}" if path else str(key)
            items.extend(error_items(value, child))
        return items
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [(path, str(item)) for item in detail]
        items = []
        for index, item in enumerate(detail):
            if item:  # DRF puts {} for list items without errors
                items.extend(error_items(item, f"{path}[{index}]"))
        return items
    return [(path, str(detail))]


def flatten_errors(detail) -> list[str]:
    """Turn DRF's nested error detail into `field.sub[0].name: message` lines."""
    return [f"{path}: {message}" if path else message for path, message in error_items(detail)]


def ocpi_exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, OCPIError):
        return _error(exc.http_status, exc.status_code, exc.message)
    if isinstance(exc, drf.ValidationError):
        return _error(
            200, status.INVALID_OR_MISSING_PARAMETERS, "; ".join(flatten_errors(exc.detail))
        )
    if isinstance(exc, RequestDataTooBig):  # request.body read past DATA_UPLOAD_MAX_MEMORY_SIZE
        return _error(413, status.CLIENT_ERROR, "Request body too large")
    if isinstance(exc, drf.ParseError):
        return _error(400, status.CLIENT_ERROR, f"Request body is not valid JSON: {exc.detail}")
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        response = _error(401, status.CLIENT_ERROR, str(exc.detail))
        response["WWW-Authenticate"] = "Token"
        return response
    if isinstance(exc, drf.MethodNotAllowed):
        return _error(405, status.CLIENT_ERROR, str(exc.detail))
    if isinstance(exc, drf.NotFound):
        return _error(404, status.CLIENT_ERROR, str(exc.detail))
    if isinstance(exc, drf.PermissionDenied):
        return _error(403, status.CLIENT_ERROR, str(exc.detail))
    if isinstance(exc, drf.Throttled):
        retry_after = max(1, math.ceil(exc.wait or 1))
        response = _error(
            429,
            status.CLIENT_ERROR,
            f"Too many requests: rate limit reached, retry after {retry_after} s",
        )
        response["Retry-After"] = str(retry_after)
        return response
    if isinstance(exc, drf.APIException):
        return _error(exc.status_code, status.CLIENT_ERROR, str(exc.detail))
    if isinstance(exc, DataError):  # a value the database cannot hold that validation let by
        logger.warning("Value refused by the database: %s", exc)
        return _error(
            200, status.INVALID_OR_MISSING_PARAMETERS, "A value in the request cannot be stored"
        )
    if isinstance(exc, IntegrityError):  # concurrent writes that retry_on_conflict did not settle
        logger.warning("Conflicting concurrent write: %s", exc)
        return _error(409, status.CLIENT_ERROR, "A concurrent request changed this object: retry")
    request_id = getattr(getattr(request, "_request", request), "ocpi_request_id", "-")
    logger.exception("Unexpected error handling request %s", request_id)
    return _error(500, status.SERVER_ERROR, f"Internal hub error (request {request_id})")


def _error(http_status: int, status_code: int, message: str) -> Response:
    return Response(envelope(None, status_code, message), status=http_status)
