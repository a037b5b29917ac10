from django.contrib import admin

from locations.models import Location


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = (
        "location_id",
        "country_code",
        "party_id",
        "city",
        "evse_statuses",
        "last_updated_at",
    )
    list_filter = ("country_code", "party_id")
    search_fields = ("location_id", "city", "evse_statuses")
    readonly_fields = (
        "country_code",
        "party_id",
        "location_id",
        "document",
        "last_updated_at",
        "city",
        "evse_statuses",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False
