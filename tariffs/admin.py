from django.contrib import admin

from tariffs.models import Tariff


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = ("tariff_id", "country_code", "party_id", "currency", "last_updated_at")
    list_filter = ("country_code", "party_id", "currency")
    search_fields = ("tariff_id",)
    readonly_fields = (
        "country_code",
        "party_id",
        "tariff_id",
        "currency",
        "document",
        "last_updated_at",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False
