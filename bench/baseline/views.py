"""The storage baseline: parse the body and upsert it as JSONB, or page through the documents.

What any hub must at least do for a push; the hub's figures are printed as ratios to it.
"""

import json

from django.db import connection
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

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
