"""The delivery dashboard (admin): how each receiver is served, what each module pushes, and
the billing data waiting for an admin. The chart is SVG drawn here: nothing to load, so the
page works offline."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.db.models.functions import TruncMinute
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from hub.models import Delivery, Message
from parties.models import Party

Status = Delivery.Status
GAVE_UP = (Status.REJECTED, Status.FAILED, Status.PARKED)
WINDOW = timedelta(hours=1)
COLOURS = ("#417690", "#e07b39", "#5b9a4c", "#b5426d", "#7a5cc2", "#c2a83e", "#3ea6c2", "#666")


def receiver_rows(now) -> list[dict]:
    """Per receiver (a party with a RECEIVER interface, or deliveries): backlog, oldest
    pending, the last hour's outcomes, last error."""
    since = now - WINDOW
    recent = Q(finished_at__gte=since)
    counts = (
        Delivery.objects.filter(Q(status=Status.PENDING) | recent)
        .values("receiver_id")
        .annotate(
            backlog=Count("pk", filter=Q(status=Status.PENDING)),
            oldest=Min("created_at", filter=Q(status=Status.PENDING)),
            delivered=Count("pk", filter=recent & Q(status=Status.DELIVERED)),
            gave_up=Count("pk", filter=recent & Q(status__in=GAVE_UP)),
        )
        .order_by()
    )
    by_receiver = {row["receiver_id"]: row for row in counts}
    last_error = (
        Delivery.objects.filter(receiver=OuterRef("pk"))
        .exclude(last_error="")
        .order_by("-pk")
        .values("last_error")[:1]
    )
    parties = Party.objects.filter(
        Q(pk__in=list(by_receiver)) | Q(platform__endpoints__role="RECEIVER")
    ).distinct()
    rows = []
    for party in parties.annotate(last_error=Subquery(last_error)).select_related("platform"):
        row = by_receiver.get(party.pk, {})
        delivered, gave_up = row.get("delivered", 0), row.get("gave_up", 0)
        oldest = row.get("oldest")
        rows.append(
            {
                "party": party,
                "backlog": row.get("backlog", 0),
                "oldest_pending": timesince(oldest, now) if oldest else None,
                "delivered": delivered,
                "failure_rate": gave_up / (delivered + gave_up) if delivered + gave_up else None,
                "last_error": party.last_error or "",
            }
        )
    return sorted(rows, key=lambda row: (-row["backlog"], str(row["party"])))


def pushes_per_minute(now) -> dict[str, list[int]]:
    """Accepted pushes per module for each of the last 60 minutes (oldest first)."""
    start = (now - WINDOW).replace(second=0, microsecond=0) + timedelta(minutes=1)
    series: dict[str, list[int]] = {}
    rows = (
        Message.objects.filter(created_at__gte=start)
        .annotate(minute=TruncMinute("created_at"))
        .values("module", "minute")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in rows:
        index = int((row["minute"] - start).total_seconds() // 60)
        if 0 <= index < 60:
            series.setdefault(row["module"], [0] * 60)[index] += row["count"]
    return dict(sorted(series.items()))


def chart_svg(series: dict[str, list[int]], width: int = 720, height: int = 160) -> str:
    """A line per module over 60 minutes, with a legend; empty axes when nothing was pushed."""
    left, right, top, bottom = 40, 130, 10, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([1, *(max(counts) for counts in series.values())])

    def point(index: int, count: int) -> str:
        return f"{left + plot_w * index / 59:.1f},{top + plot_h * (1 - count / peak):.1f}"

    lines = format_html_join(
        "",
        '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"><title>{}</title>'
        "</polyline>",
        (
            (
                COLOURS[n % len(COLOURS)],
                " ".join(point(i, c) for i, c in enumerate(counts)),
                f"{module}: {sum(counts)} in the last hour",
            )
            for n, (module, counts) in enumerate(series.items())
        ),
    )
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
        '<text x="{}" y="{}" font-size="11">{} ({}/h)</text>',
        (
            (
                width - right + 10,
                top + 16 * n,
                COLOURS[n % len(COLOURS)],
                width - right + 24,
                top + 16 * n + 9,
                module,
                sum(counts),
            )
            for n, (module, counts) in enumerate(series.items())
        ),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
        'aria-label="Pushes per minute per module, last hour" font-family="sans-serif">'
        '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/>'
        '<line x1="{l}" y1="{t}" x2="{l}" y2="{b}" stroke="#999"/>'
        '<text x="{tl}" y="{ty}" font-size="11" text-anchor="end">{peak}/min</text>'
        '<text x="{tl}" y="{b}" font-size="11" text-anchor="end">0</text>'
        '<text x="{l}" y="{lb}" font-size="11">60 min ago</text>'
        '<text x="{r}" y="{lb}" font-size="11" text-anchor="end">now</text>'
        "{lines}{legend}</svg>",
        w=width,
        h=height,
        l=left,
        r=left + plot_w,
        t=top,
        b=top + plot_h,
        tl=left - 4,
        ty=top + 9,
        lb=height - 6,
        peak=peak,
        lines=lines,
        legend=legend,
    )


def dashboard_view(request):
    now = timezone.now()
    series = pushes_per_minute(now)
    parked = Delivery.objects.filter(status=Status.PARKED)
    context = {
        **admin.site.each_context(request),
        "title": "Delivery dashboard",
        "receivers": receiver_rows(now),
        "chart": chart_svg(series),
        "pushes_last_hour": {module: sum(counts) for module, counts in series.items()},
        "parked_cdrs": parked.filter(message__module="cdrs").count(),
        "parked_other": parked.exclude(message__module="cdrs").count(),
        "parked_cdrs_url": reverse("admin:cdrs_cdr_changelist") + "?delivery=PARKED",
        "parked_deliveries_url": reverse("admin:hub_delivery_changelist") + "?status__exact=PARKED",
    }
    return TemplateResponse(request, "admin/hub/dashboard.html", context)
