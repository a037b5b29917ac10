from django.contrib import admin

from sessions.models import Session


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = (
        "session_id",
        "owner",
        "emsp",
        "status",
        "start_date_time",
        "end_date_time",
        "last_updated_at",
    )
    list_filter = ("status", "party_id", "emsp_party_id", "start_date_time", "last_updated_at")
    date_hierarchy = "start_date_time"
    search_fields = ("session_id", "party_id", "emsp_party_id")
    readonly_fields = (
        "country_code",
        "party_id",
        "session_id",
        "emsp_country_code",
        "emsp_party_id",
        "status",
        "start_date_time",
        "end_date_time",
        "last_updated_at",
        "document",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False
