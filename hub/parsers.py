"""The request body parser of every OCPI interface (DRF's parser hook)."""

from django.conf import settings
from rest_framework import exceptions, parsers

from hub.jsonlimits import JSONRefused, parse_request_json


class BodyTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "Request body too large"


class OCPIJSONParser(parsers.BaseParser):
    """JSON with the hub's limits: size (HTTP 413), nesting depth and storable values (2001
    naming the field), anything else that is not JSON (HTTP 400)."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.OCPI_MAX_BODY_BYTES
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise BodyTooLarge(f"Request body is over the {limit} bytes limit")
        try:
            return parse_request_json(raw)
        except JSONRefused as error:
            raise exceptions.ValidationError([str(error)]) from None
        except ValueError as error:
            raise exceptions.ParseError(str(error)) from None
