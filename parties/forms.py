"""Admin forms: invite a platform, register the hub at a party."""

from django import forms

from parties.models import Party, Role

INVITABLE_ROLES = [role for role in Role.values if role != Role.HUB]


def parse_party_spec(value: str) -> tuple[str, str, str]:
    """`COUNTRY:PARTY:ROLE` (e.g. NL:ABC:CPO); ValueError naming what is wrong."""
    try:
        country_code, party_id, role = value.strip().split(":")
    except ValueError:
        raise ValueError(f"{value!r}: expected COUNTRY:PARTY:ROLE, e.g. NL:ABC:CPO") from None
    role = role.upper()
    if role not in INVITABLE_ROLES:
        raise ValueError(f"{value!r}: role must be one of {', '.join(INVITABLE_ROLES)}")
    if len(country_code) != 2 or len(party_id) != 3:
        raise ValueError(f"{value!r}: country code has 2 characters, party id 3")
    if Party.objects.by_id(country_code, party_id).filter(role=role).exists():
        raise ValueError(f"{value!r} is already invited or registered")
    return country_code.upper(), party_id.upper(), role


class InviteForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Platform name shown in the admin")
    parties = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The parties it may register, one per line: COUNTRY:PARTY:ROLE, e.g. NL:ABC:CPO",
    )

    def clean_parties(self):
        lines = [line for line in self.cleaned_data["parties"].splitlines() if line.strip()]
        try:
            return [parse_party_spec(line) for line in lines]
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class RegisterAtPartyForm(forms.Form):
    versions_url = forms.URLField(
        max_length=255, assume_scheme="https", help_text="The party's OCPI versions URL"
    )
    token_a = forms.CharField(
        max_length=64, label="Token A", help_text="The token the party issued for the hub"
    )
    name = forms.CharField(
        max_length=100, required=False, help_text="Platform name (default: the URL's host)"
    )
