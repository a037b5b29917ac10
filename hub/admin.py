"""Admin: follow every pushed message, its deliveries and their attempts; re-deliver."""

from django.contrib import admin, messages

from hub.delivery import redeliver
from hub.models import Delivery, DeliveryAttempt, Message

# The index links to the delivery dashboard (hub.dashboard).
admin.site.index_template = "admin/hub/index.html"


class AuditRecordAdmin(admin.ModelAdmin):
    """The log of what the hub did: nobody deletes it by hand (only the retention task)."""

    def has_delete_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ("receiver", "status", "full_object", "attempts", "next_attempt_at", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = (
        "started_at",
        "method",
        "url",
        "http_status",
        "status_code",
        "duration_ms",
        "error",
        "response_excerpt",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Message)
class MessageAdmin(AuditRecordAdmin):
    list_display = ("created_at", "module", "method", "owner", "object_id", "sender")
    list_filter = ("module", "method", "deliveries__status")
    search_fields = ("object_id", "owner_party_id", "correlation_id")
    readonly_fields = (
        "module",
        "method",
        "owner_country_code",
        "owner_party_id",
        "object_id",
        "segments",
        "body_text",
        "correlation_id",
        "sender",
        "created_at",
    )
    exclude = ("body",)
    inlines = [DeliveryInline]

    @admin.display(description="owner")
    def owner(self, message):
        return f"{message.owner_country_code}*{message.owner_party_id}"

    @admin.display(description="body")
    def body_text(self, message):
        return bytes(message.body).decode("utf-8", "replace")

    def has_add_permission(self, request):
        return False


@admin.register(Delivery)
class DeliveryAdmin(AuditRecordAdmin):
    list_display = (
        "pk",
        "message",
        "receiver",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("status", "message__module", "receiver")
    search_fields = ("object_key", "receiver__party_id", "message__correlation_id")
    list_select_related = ("message", "receiver")
    readonly_fields = (
        "message",
        "receiver",
        "object_key",
        "status",
        "full_object",
        "attempts",
        "next_attempt_at",
        "retry_since",
        "claimed_until",
        "claim",
        "last_error",
        "created_at",
        "finished_at",
    )
    inlines = [AttemptInline]
    actions = ["deliver_again"]

    @admin.action(
        description="Deliver again (the object as stored now)",
        permissions=["deliver_again"],
    )
    def deliver_again(self, request, queryset):
        count = redeliver(queryset)
        self.message_user(request, f"{count} deliveries queued again.", messages.SUCCESS)

    def has_deliver_again_permission(self, request):
        return request.user.has_perm("hub.deliver_again")

    def has_add_permission(self, request):
        return False
