"""Pagination of every list GET (transport_and_format: Pagination).

Pages are ordered by primary key (creation order, stable across calls). Besides the spec's
offset, the hub's own `Link` carries the last primary key seen (`after`), so following
the Link reads the next page by index instead of skipping `offset` rows: deep pages cost
the same as the first. A client that builds its own offsets gets plain OFFSET paging.
"""

from urllib.parse import urlencode

from django.conf import settings

from hub.exceptions import invalid
from hub.responses import ocpi_response
from hub.types import parse_datetime

# Offsets, limits and primary keys beyond this do not fit the database's 64-bit integers.
PARAM_MAX = 2**62


def _int_param(params, name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > PARAM_MAX:
        raise invalid(
            f"{name}: expected a non-negative integer up to {PARAM_MAX}, got {raw[:30]!r}"
        )
    return int(raw)


def _date_param(params, name: str):
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_datetime(raw)
    except ValueError as error:
        raise invalid(f"{name}: {error}") from None


def paginated_response(
    request, queryset, to_json, *, date_field: str = "last_updated_at", require_date_from=False
):
    """Answer a list GET with one page of `queryset`, its Link, X-Total-Count and X-Limit."""
    params = request.query_params
    offset = _int_param(params, "offset", 0)
    requested = _int_param(params, "limit", 0)
    maximum = settings.OCPI_PAGE_MAX_LIMIT
    limit = min(requested, maximum) if requested else maximum
    after = _int_param(params, "after", 0)
    date_from = _date_param(params, "date_from")
    date_to = _date_param(params, "date_to")
    if require_date_from and date_from is None:
        raise invalid("date_from: required")

    if date_from is not None:
        queryset = queryset.filter(**{f"{date_field}__gte": date_from})
    if date_to is not None:
        queryset = queryset.filter(**{f"{date_field}__lt": date_to})
    queryset = queryset.order_by("pk")
    total = queryset.count()
    if after:
        page = list(queryset.filter(pk__gt=after)[:limit])
    else:
        page = list(queryset[offset : offset + limit])

    headers = {"X-Total-Count": str(total), "X-Limit": str(limit)}
    next_offset = offset + limit
    if page and next_offset < total:
        query = {key: params[key] for key in ("date_from", "date_to") if params.get(key)}
        query.update(offset=next_offset, limit=limit, after=page[-1].pk)
        url = f"{settings.HUB_BASE_URL}{request.path_info}?{urlencode(query)}"
        headers["Link"] = f'<{url}>; rel="next"'
    return ocpi_response([to_json(item) for item in page], headers=headers)
