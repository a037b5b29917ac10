"""Admin for hub operators: platforms, their parties and endpoints, onboarding actions.

Tokens are never displayed: the hub keeps only hashes of the tokens platforms present, and the
token it presents to a platform is not part of any form or list.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join

from agreements.actions import archive_party, offboard_platform
from hub.endpoints import versions_url
from hub.platform_check import check_platform
from parties import actions
from parties.forms import InviteForm, RegisterAtPartyForm
from parties.models import Deviation, Endpoint, Party, Platform
from parties.tasks import ping_platform

FORM_TEMPLATE = "admin/parties/form.html"


class PartyInline(admin.TabularInline):
    model = Party
    fields = ("country_code", "party_id", "role", "business_details", "last_updated")
    readonly_fields = ("last_updated",)
    extra = 0
    can_delete = False  # parties are archived (Parties list), never deleted

    def get_queryset(self, request):
        return super().get_queryset(request).filter(archived_at=None)


class EndpointInline(admin.TabularInline):
    model = Endpoint
    fields = ("identifier", "role", "url")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


# What the ledger shows of a deviation, on a platform's page and in the list of all of them.
LEDGER_COLUMNS = (
    "module",
    "direction",
    "field",
    "rule",
    "count",
    "first_seen",
    "last_seen",
    "example_request_id",
)


class DeviationInline(admin.TabularInline):
    """The platform's deviation ledger, newest first (read-only: the hub writes it)."""

    model = Deviation
    fields = LEDGER_COLUMNS
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Deviation ledger (spec violations seen from this platform)"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Deviation)
class DeviationAdmin(admin.ModelAdmin):
    """Every platform's deviations, filterable by platform and module."""

    list_display = ("platform", *LEDGER_COLUMNS)
    list_filter = ("platform", "module", "direction")
    search_fields = ("field", "rule", "example_request_id")
    list_select_related = ("platform",)
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "status",
        "party_list_display",
        "version",
        "last_contact",
        "registration_noted_at",
    )
    list_filter = ("status", "version", "validation_policy")
    search_fields = ("name", "versions_url", "parties__party_id")
    fields = (
        "name",
        "status",
        "versions_url",
        "version",
        "send_token_raw",
        "max_in_flight",
        "rate_limit",
        "realtime_rate_limit",
        "validation_policy",
        "last_check",
        "last_contact",
        "registration_note",
        "registration_noted_at",
        "created_at",
    )
    # Status changes go through the actions, so ClientInfo is pushed.
    readonly_fields = (
        "last_check",
        "status",
        "versions_url",
        "version",
        "last_contact",
        "registration_note",
        "registration_noted_at",
        "created_at",
    )
    inlines = [PartyInline, EndpointInline, DeviationInline]
    actions = [
        "suspend",
        "reinstate",
        "issue_token_a",
        "rotate_credentials",
        "check_alive",
        "check_platform",
        "offboard",
    ]
    change_list_template = "admin/parties/platform/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("parties")

    @admin.display(description="Parties")
    def party_list_display(self, platform):
        return ", ".join(
            f"{p.country_code}*{p.party_id} {p.role}"
            for p in platform.parties.all()
            if p.archived_at is None
        )

    def get_urls(self):
        own = [
            path(
                "invite/",
                self.admin_site.admin_view(self.invite_view),
                name="parties_platform_invite",
            ),
            path(
                "register-at-party/",
                self.admin_site.admin_view(self.register_view),
                name="parties_platform_register",
            ),
        ]
        return own + super().get_urls()

    def page(self, request, title, **context):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            **context,
        }
        return TemplateResponse(request, FORM_TEMPLATE, context)

    def require(self, request, permission: str) -> None:
        if not request.user.has_perm(f"parties.{permission}"):
            raise PermissionDenied(f"Requires the permission parties.{permission}")

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_invite": self.has_invite_platform_permission(request),
            "can_register": self.has_register_at_party_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def invite_view(self, request):
        self.require(request, "invite_platform")
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            platform, token = actions.invite_platform(
                form.cleaned_data["name"], form.cleaned_data["parties"]
            )
            return self.page(
                request,
                f"Invited {platform.name}",
                tokens=[(platform, token)],
                versions_url=versions_url(),
            )
        return self.page(request, "Invite a platform", form=form, submit="Invite")

    def register_view(self, request):
        self.require(request, "register_at_party")
        form = RegisterAtPartyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            outcome = actions.register_at_party(
                form.cleaned_data["versions_url"],
                form.cleaned_data["token_a"],
                form.cleaned_data["name"],
                parties=form.cleaned_data["parties"],
            )
            title = "Registered at the party" if outcome.ok else "Registration failed"
            return self.page(
                request,
                title,
                steps=outcome.steps,
                ok=outcome.ok,
                platform=outcome.platform if outcome.ok else None,
            )
        return self.page(request, "Register the hub at a party", form=form, submit="Register")

    @admin.action(
        description="Suspend (stop all traffic, announce SUSPENDED)",
        permissions=["suspend_platform"],
    )
    def suspend(self, request, queryset):
        for platform in queryset:
            if actions.suspend_platform(platform):
                self.message_user(request, f"{platform} suspended.")

    @admin.action(description="Reinstate suspended platforms", permissions=["reinstate_platform"])
    def reinstate(self, request, queryset):
        for platform in queryset:
            if actions.reinstate_platform(platform):
                self.message_user(request, f"{platform} is {platform.status}.")

    @admin.action(
        description="Issue a new Token A (unregistered platforms)", permissions=["issue_token_a"]
    )
    def issue_token_a(self, request, queryset):
        tokens = []
        for platform in queryset:
            if platform.is_registered:
                self.message_user(
                    request, f"{platform} is registered: use rotate instead.", messages.WARNING
                )
            else:
                tokens.append((platform, actions.reissue_token_a(platform)))
        if tokens:
            return self.page(request, "New Token A", tokens=tokens, versions_url=versions_url())
        return None

    @admin.action(
        description="Rotate credentials (credentials PUT to the platform)",
        permissions=["rotate_credentials"],
    )
    def rotate_credentials(self, request, queryset):
        for platform in queryset:
            outcome = actions.rotate_credentials(platform)
            level = messages.SUCCESS if outcome.ok else messages.ERROR
            self.message_user(request, f"{platform}: {outcome.steps[-1]}", level)

    def has_delete_permission(self, request, obj=None):
        return False  # offboard instead: history, stored objects and billing data stay

    @admin.action(
        description="Offboard (credentials DELETE, end agreements, keep history)",
        permissions=["offboard_platform"],
    )
    def offboard(self, request, queryset):
        for platform in queryset:
            steps = offboard_platform(platform, f"admin {request.user.get_username()}")
            self.message_user(request, f"{platform}: {'; '.join(steps)}")

    @admin.action(
        description="Run the platform check (GETs of every advertised endpoint)",
        permissions=["check_platform"],
    )
    def check_platform(self, request, queryset):
        for platform in queryset:
            report = check_platform(platform)
            level = messages.WARNING if report.problems else messages.SUCCESS
            self.message_user(
                request,
                f"{platform}: {len(report.problems)} problems in {report.requests} requests; "
                "the report is on the platform's page",
                level,
            )

    @admin.display(description="Last platform check")
    def last_check(self, platform):
        report = platform.checks.first()
        if report is None:
            return "Never run (action: Run the platform check)"
        rows = format_html_join(
            "",
            "<li>{} <b>{}</b>: {}</li>",
            (
                ("OK" if result["ok"] else "PROBLEM", result["check"], result["detail"])
                for result in report.results
            ),
        )
        return format_html(
            "{} ({} problems, {} requests)<ul>{}</ul>",
            report.started_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            len(report.problems),
            report.requests,
            rows,
        )

    @admin.action(
        description="Check still alive now (GET versions)", permissions=["check_still_alive"]
    )
    def check_alive(self, request, queryset):
        for platform in queryset:
            self.message_user(request, f"{platform}: {ping_platform(platform.pk)}")


class ArchivedFilter(admin.SimpleListFilter):
    title = "archived"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("no", "Live"), ("yes", "Archived")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(archived_at=None)
        if self.value() == "no":
            return queryset.filter(archived_at=None)
        return queryset


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    """Deleting a party archives it: its messages, deliveries and command logs stay."""

    list_display = (
        "country_code",
        "party_id",
        "role",
        "platform",
        "status",
        "last_updated",
        "archived_at",
    )
    list_filter = ("role", "platform__status", ArchivedFilter)
    search_fields = ("country_code", "party_id", "platform__name")
    list_select_related = ("platform",)

    @admin.display(description="Status")
    def status(self, party):
        return party.platform.status

    def delete_model(self, request, obj):
        archive_party(obj, f"admin {request.user.get_username()}")

    def delete_queryset(self, request, queryset):
        for party in queryset:
            archive_party(party, f"admin {request.user.get_username()}")

    def get_deleted_objects(self, objs, request):
        # Nothing is deleted: the confirmation page lists the parties to be archived only.
        return [f"{obj} (archived, history kept)" for obj in objs], {}, set(), []


def _action_permission(codename: str):
    def has_permission(admin_view, request) -> bool:
        return request.user.has_perm(f"parties.{codename}")

    return has_permission


# Django calls has_<name>_permission for an action declared with permissions=[name].
for _codename in (
    "invite_platform",
    "register_at_party",
    "suspend_platform",
    "reinstate_platform",
    "rotate_credentials",
    "issue_token_a",
    "check_platform",
    "check_still_alive",
    "offboard_platform",
):
    setattr(PlatformAdmin, f"has_{_codename}_permission", _action_permission(_codename))
