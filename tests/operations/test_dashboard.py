"""The delivery dashboard in the admin, rendered with data."""

import re

from django.urls import reverse

from hub.dashboard import chart_svg
from hub.models import Delivery
from tests.operations.conftest import make_delivery

Status = Delivery.Status


def test_the_dashboard_shows_receivers_pushes_and_parked_cdrs(admin_client, cpo, emsp):
    make_delivery(cpo, emsp, status=Status.PENDING, age_seconds=600)
    make_delivery(cpo, emsp, status=Status.DELIVERED, age_seconds=120)
    make_delivery(cpo, emsp, status=Status.DELIVERED, age_seconds=60)
    make_delivery(cpo, emsp, status=Status.FAILED, age_seconds=30, error="HTTP 503 OCPI None")
    make_delivery(cpo, emsp, module="cdrs", status=Status.PARKED, age_seconds=30)

    page = admin_client.get(reverse("delivery-dashboard"))

    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('id="receivers"')
    receivers = html[start : html.index("</table>", start)]
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td>(.*?)</td>", receivers, re.S)
    ]
    assert cells[:8] == [
        "DE*MSP (EMSP)",
        "eMSP platform",
        "CONNECTED",
        "1",
        "10\xa0minutes ago",
        "2",
        "50%",  # a FAILED and a PARKED against two delivered
        "HTTP 503 OCPI None",
    ]
    assert "<svg" in html and "locations (4/h)" in html and "cdrs (1/h)" in html
    assert "1 parked CDR" in html
    assert reverse("admin:cdrs_cdr_changelist") + "?delivery=PARKED" in html


def test_the_admin_index_links_to_the_dashboard(admin_client):
    assert (
        reverse("delivery-dashboard") in admin_client.get(reverse("admin:index")).content.decode()
    )


def test_the_chart_draws_one_line_per_module_scaled_to_the_peak():
    svg = chart_svg({"locations": [0] * 59 + [10], "tokens": [5] * 60})
    lines = re.findall(r'points="([^"]+)"', svg)
    assert len(lines) == 2
    last_point = lines[0].split()[-1].split(",")
    assert float(last_point[1]) == 10.0  # the peak touches the top
    assert "10/min" in svg
