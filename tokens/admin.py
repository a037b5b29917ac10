from django.contrib import admin

from tokens.models import Token


@admin.register(Token)
class TokenAdmin(admin.ModelAdmin):
    """The stored Tokens, read-only: the pushed Token object and its keys, nothing more."""

    list_display = ("uid", "type", "contract_id", "owner", "valid", "whitelist", "last_updated_at")
    list_filter = ("type", "country_code", "party_id")
    search_fields = ("uid", "contract_id")
    fields = ("country_code", "party_id", "uid", "type", "contract_id", "document")
    readonly_fields = fields

    @admin.display(description="eMSP")
    def owner(self, token):
        return f"{token.country_code}*{token.party_id}"

    @admin.display(boolean=True)
    def valid(self, token):
        return token.document.get("valid")

    @admin.display()
    def whitelist(self, token):
        return token.document.get("whitelist")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
