"""Request-wide OCPI concerns: unique message ids and tolerant path normalisation."""

import logging
import re
import uuid

from django.http import JsonResponse

from hub import status
from hub.responses import envelope

logger = logging.getLogger(__name__)
REPEATED_SLASHES = re.compile(r"/{2,}")


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
        if request.path_info.startswith("/ocpi/"):
            path = REPEATED_SLASHES.sub("/", request.path_info)
            request.path_info = path.rstrip("/") if len(path) > 1 else path
        try:
            response = get_response(request)
        except Exception:  # views answer their own errors; this is the last resort
            logger.exception("Unhandled error in request %s", request.ocpi_request_id)
            response = JsonResponse(
                envelope(None, status.SERVER_ERROR, "Internal hub error"), status=500
            )
        response["X-Request-ID"] = request.ocpi_request_id
        response["X-Correlation-ID"] = request.ocpi_correlation_id
        return response

    return middleware
