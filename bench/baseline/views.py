"""The baselines: what any hub must at least do, each served by the same Django and web server
as the hub, so the hub's figures can be printed as ratios to them.

- storage: parse a pushed body and upsert it as JSONB, or page through the documents;
- relay: pass a real-time authorization to the eMSP and its answer back (no authentication,
  routing or rate limit; the eMSP's address and token looked up once per process).
"""

import json

from django.db import connection
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

OK = b'{"status_code":1000,"timestamp":"2024-01-01T00:00:00Z"}'


@csrf_exempt
def baseline_put(request, country_code, party_id, object_id):
    document = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_baseline_baselinedocument (key, document) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET document = EXCLUDED.document",
            [f"{country_code}/{party_id}/{object_id}", json.dumps(document)],
        )
    return HttpResponse(OK, content_type="application/json")


def baseline_list(request):
    offset = int(request.GET.get("offset", 0))
    limit = int(request.GET.get("limit", 100))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_baseline_baselinedocument")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT document::text FROM bench_baseline_baselinedocument ORDER BY id "
            "LIMIT %s OFFSET %s",
            [limit, offset],
        )
        rows = [row[0] for row in cursor.fetchall()]
    body = '{"status_code":1000,"timestamp":"2024-01-01T00:00:00Z","data":[' + ",".join(rows)
    response = HttpResponse(body + "]}", content_type="application/json")
    response["X-Total-Count"] = str(total)
    if offset + limit < total:
        response["Link"] = f'<{request.path}?offset={offset + limit}&limit={limit}>; rel="next"'
    return response


_relay_targets: dict[str, tuple] = {}


@csrf_exempt
@require_POST
def baseline_relay(request, token_uid):
    """The authorization relay baseline: the body, with the query, to the first eMSP's Tokens
    sender interface through the hub's own outbound client, and the answer back as it came."""
    from hub.client import call
    from parties.models import Endpoint

    if "tokens" not in _relay_targets:
        endpoint = Endpoint.objects.select_related("platform").get(
            platform__name="emsp0", identifier="tokens", role="SENDER"
        )
        _relay_targets["tokens"] = (endpoint.platform, endpoint.url)
    platform, url = _relay_targets["tokens"]
    reply = call(
        platform,
        "POST",
        f"{url}/{token_uid}/authorize",
        content=request.body,
        params=request.GET.dict(),
    )
    return HttpResponse(
        reply.content, status=reply.http_status or 502, content_type="application/json"
    )
