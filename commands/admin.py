"""The command log: follow one command from the eMSP's request to the CPO's result."""

import json

from django.contrib import admin
from django.utils.html import format_html

from hub.admin import AuditRecordAdmin

from .models import Command


def pretty(value) -> str:
    if value is None:
        return "-"
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


@admin.register(Command)
class CommandAdmin(AuditRecordAdmin):
    """Read-only: rows are written by the hub only. No credentials token is stored here."""

    list_display = (
        "created",
        "command",
        "requester",
        "cpo",
        "outcome",
        "status_code",
        "last_result_at",
        "correlation_id",
    )
    list_filter = ("outcome", "module", "command", "requester", "cpo")
    search_fields = ("correlation_id", "session_id", "reservation_id", "id")
    date_hierarchy = "created"
    list_select_related = ("requester", "cpo")
    fields = (
        "id",
        "module",
        "command",
        "requester",
        "cpo",
        "correlation_id",
        "reservation_id",
        "session_id",
        "response_url",
        "request_body",
        "status_code",
        "response_body",
        "outcome",
        "result_body",
        "result_delivery",
        "created",
        "last_result_at",
        "expires_at",
    )
    readonly_fields = fields

    @admin.display(description="request")
    def request_body(self, obj):
        return pretty(obj.request)

    @admin.display(description="CPO response")
    def response_body(self, obj):
        return pretty(obj.response)

    @admin.display(description="last result")
    def result_body(self, obj):
        return pretty(obj.result)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
