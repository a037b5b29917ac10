"""Admin for roaming agreements: the matrix of pairs, the change form with its history, what a
party would receive (asked of the routing rule itself), and CSV import and export."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from agreements import actions, csvio
from agreements.models import MODULES, PARTNER_ROLES, Agreement, AgreementChange, AgreementStatus
from agreements.policy import agreements_required, allowed_parties
from hub import delivery
from hub.exceptions import OCPIError
from parties.models import Party, Role


class AgreementForm(forms.ModelForm):
    modules = forms.MultipleChoiceField(
        choices=[(module, module) for module in MODULES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Agreement
        fields = ("cpo", "partner", "modules", "status", "valid_from", "valid_until")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        candidate = Agreement(**{field: cleaned.get(field) for field in self.Meta.fields})
        try:
            actions.check_agreement(candidate)
        except OCPIError as error:
            raise forms.ValidationError(error.message) from None
        return cleaned


class ChangeInline(admin.TabularInline):
    model = AgreementChange
    verbose_name_plural = "history"
    fields = ("changed_at", "changed_by", "description")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReceiveForm(forms.Form):
    party = forms.ModelChoiceField(queryset=Party.objects.live().exclude(role=Role.HUB))


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with the columns " + ", ".join(csvio.COLUMNS))


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    form = AgreementForm
    list_display = ("cpo", "partner", "status", "module_list", "valid_from", "valid_until")
    list_filter = ("status",)
    search_fields = ("cpo__party_id", "partner__party_id", "cpo__country_code")
    list_select_related = ("cpo", "partner")
    inlines = [ChangeInline]
    actions = ["activate", "suspend", "end", "export_selected"]
    change_list_template = "admin/agreements/agreement/change_list.html"

    def has_delete_permission(self, request, obj=None):
        return False  # an agreement ends; its history stays

    @admin.display(description="Modules")
    def module_list(self, agreement):
        return " ".join(agreement.modules)

    def who(self, request) -> str:
        return f"admin {request.user.get_username()}"

    def save_model(self, request, obj, form, change):
        actions.save_agreement(obj, self.who(request))

    def _set_status(self, request, queryset, status):
        changed = actions.set_status(queryset, status, self.who(request))
        self.message_user(request, f"{changed} agreement(s) now {status}.")

    @admin.action(description="Activate", permissions=["change"])
    def activate(self, request, queryset):
        self._set_status(request, queryset, AgreementStatus.ACTIVE)

    @admin.action(description="Suspend", permissions=["change"])
    def suspend(self, request, queryset):
        self._set_status(request, queryset, AgreementStatus.SUSPENDED)

    @admin.action(description="End", permissions=["change"])
    def end(self, request, queryset):
        self._set_status(request, queryset, AgreementStatus.ENDED)

    @admin.action(description="Export as CSV")
    def export_selected(self, request, queryset):
        return csv_response(csvio.export_csv(queryset))

    def get_urls(self):
        def view(name, function):
            return path(
                f"{name}/",
                self.admin_site.admin_view(function),
                name=f"agreements_agreement_{name}",
            )

        return [
            view("matrix", self.matrix_view),
            view("receive", self.receive_view),
            view("export", self.export_view),
            view("import", self.import_view),
            *super().get_urls(),
        ]

    def page(self, request, template, title, **context):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "policy": "agreements required" if agreements_required() else "open",
            **context,
        }
        return TemplateResponse(request, f"admin/agreements/agreement/{template}", context)

    def matrix_view(self, request):
        """CPOs against eMSP-type parties: one cell per pair, with bulk actions."""
        if request.method == "POST":
            return self.matrix_action(request)
        cpos = list(Party.objects.live().filter(role=Role.CPO))
        partners = list(Party.objects.live().filter(role__in=PARTNER_ROLES))
        agreements = {(a.cpo_id, a.partner_id): a for a in Agreement.objects.all()}
        rows = [
            (cpo, [(partner, agreements.get((cpo.pk, partner.pk))) for partner in partners])
            for cpo in cpos
        ]
        return self.page(request, "matrix.html", "Roaming agreements", rows=rows, partners=partners)

    def matrix_action(self, request):
        if not self.has_change_permission(request):  # a viewer sees the matrix, changes nothing
            raise PermissionDenied("Requires the permission to change agreements")
        post = request.POST
        parties = Party.objects.live()
        if post.get("action") == "activate":
            cpo = parties.filter(pk=post.get("cpo"), role=Role.CPO).first()
            partner = parties.filter(pk=post.get("partner"), role__in=PARTNER_ROLES).first()
            if cpo and partner:
                actions.activate_pair(cpo, partner, self.who(request))
                self.message_user(request, f"{cpo} and {partner} exchange every module.")
        elif post.get("action") == "suspend_party":
            party = parties.filter(pk=post.get("party")).first()
            if party:
                active = Agreement.objects.involving([party]).filter(status=AgreementStatus.ACTIVE)
                changed = actions.set_status(active, AgreementStatus.SUSPENDED, self.who(request))
                self.message_user(request, f"{changed} agreement(s) of {party} suspended.")
        return HttpResponseRedirect(reverse("admin:agreements_agreement_matrix"))

    def receive_view(self, request):
        """What a party would receive: per module, the parties the routing rule lets it
        exchange with now, and how many of their stored objects it would get (GET All, or
        the replay when an agreement starts)."""
        form = ReceiveForm(request.GET or None)
        answer = None
        if form.is_valid():
            party = form.cleaned_data["party"]
            others = Party.objects.live().exclude(pk=party.pk).exclude(role=Role.HUB)
            others = (
                others.filter(role=Role.CPO)
                if party.role != Role.CPO
                else others.filter(role__in=PARTNER_ROLES)
            )
            others = list(others.select_related("platform"))
            answer = {"party": party, "modules": []}
            for module in MODULES:
                allowed = allowed_parties(party, module, others)
                # Stored objects it would get now: those its counterparts own and share with it.
                stored = sum(
                    len(delivery.shared_objects(module, owner, party)) for owner in allowed
                )
                answer["modules"].append((module, allowed, stored))
        return self.page(
            request, "receive.html", "What would a party receive?", form=form, answer=answer
        )

    def export_view(self, request):
        return csv_response(csvio.export_csv(Agreement.objects.all()))

    def import_view(self, request):
        form = ImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied("Requires the permission to change agreements")
        if request.method == "POST" and form.is_valid():
            raw = form.cleaned_data["file"].read()
            try:
                changed = csvio.import_csv(
                    raw.decode("utf-8-sig"), f"CSV import by {self.who(request)}"
                )
            except UnicodeDecodeError:
                errors = ["file: not UTF-8 text"]
            except csvio.CsvImportError as error:
                errors = error.errors
            else:
                self.message_user(request, f"Imported: {changed} agreement(s) changed.")
                return HttpResponseRedirect(reverse("admin:agreements_agreement_changelist"))
            self.message_user(request, "Nothing was imported.", messages.ERROR)
        return self.page(
            request, "import.html", "Import agreements (CSV)", form=form, errors=errors
        )


def csv_response(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="agreements.csv"'
    return response
