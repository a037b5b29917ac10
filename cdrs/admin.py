"""CDRs per party with their delivery: status, reason, the eMSP's Location; deliver again."""

from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Subquery

from cdrs.models import Cdr
from hub.admin import AuditRecordAdmin
from hub.delivery import redeliver
from hub.models import Delivery

NOT_QUEUED = "NOT QUEUED"  # the eMSP was not connected or has no cdrs RECEIVER: it pulls
TOTALS = ("DELIVERED", "PENDING", "PARKED", "OTHER", "NOT_QUEUED")


def with_delivery(queryset):
    latest = Delivery.objects.filter(message_id=OuterRef("message_id")).order_by("-pk")
    return queryset.annotate(
        delivery_status=Subquery(latest.values("status")[:1]),
        delivery_error=Subquery(latest.values("last_error")[:1]),
    )


def totals_per_emsp() -> list[dict]:
    """CDRs per eMSP by delivery status: delivered, pending, parked, other, not queued."""
    rows: dict[str, dict] = {}
    counted = (
        with_delivery(Cdr.objects.all())
        .values("emsp_country_code", "emsp_party_id", "delivery_status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in counted:
        emsp = f"{row['emsp_country_code']}*{row['emsp_party_id']}"
        totals = rows.setdefault(emsp, {"emsp": emsp, **dict.fromkeys(TOTALS, 0)})
        status = row["delivery_status"] or "NOT_QUEUED"
        totals[status if status in TOTALS else "OTHER"] += row["count"]
    return [rows[emsp] for emsp in sorted(rows)]


class DeliveryStatusFilter(admin.SimpleListFilter):
    title = "delivery"
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [*Delivery.Status.choices, (NOT_QUEUED, "Not queued (pulled by the eMSP)")]

    def queryset(self, request, queryset):
        if self.value() == NOT_QUEUED:
            return queryset.filter(delivery_status__isnull=True)
        if self.value():
            return queryset.filter(delivery_status=self.value())
        return queryset


@admin.register(Cdr)
class CdrAdmin(AuditRecordAdmin):
    list_display = (
        "cdr_id",
        "owner",
        "emsp",
        "credit",
        "start_date_time",
        "total_cost",
        "delivery_status",
        "delivery_error",
        "emsp_location",
    )
    list_filter = (
        DeliveryStatusFilter,
        "party_id",
        "emsp_party_id",
        "credit",
        "start_date_time",
        "last_updated_at",
    )
    date_hierarchy = "start_date_time"
    search_fields = ("cdr_id", "credit_reference_id", "party_id", "emsp_party_id")
    readonly_fields = (
        "country_code",
        "party_id",
        "cdr_id",
        "uid",
        "emsp_country_code",
        "emsp_party_id",
        "credit",
        "credit_reference_id",
        "start_date_time",
        "end_date_time",
        "last_updated_at",
        "message",
        "emsp_location",
        "document",
        "created_at",
    )
    actions = ["deliver_again"]
    change_list_template = "admin/cdrs/cdr/change_list.html"

    def get_queryset(self, request):
        return with_delivery(super().get_queryset(request))

    @admin.display(description="delivery", ordering="delivery_status")
    def delivery_status(self, cdr):
        return cdr.delivery_status or NOT_QUEUED

    @admin.display(description="reason")
    def delivery_error(self, cdr):
        return cdr.delivery_error or ""

    @admin.display(description="total cost")
    def total_cost(self, cdr):
        cost = cdr.document.get("total_cost") or {}
        return f"{cost.get('excl_vat')} {cdr.document.get('currency', '')}"

    @admin.action(
        description="Deliver again (parked, failed or rejected CDRs: the same POST)",
        permissions=["deliver_again"],
    )
    def deliver_again(self, request, queryset):
        count = redeliver(Delivery.objects.filter(message__cdr__in=queryset))
        self.message_user(request, f"{count} CDR deliveries queued again.", messages.SUCCESS)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "emsp_totals": totals_per_emsp()}
        return super().changelist_view(request, extra_context)

    def has_deliver_again_permission(self, request):
        return request.user.has_perm("hub.deliver_again")

    def has_add_permission(self, request):
        return False
