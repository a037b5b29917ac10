"""Admin forms: invite a platform, register the hub at a party."""

from django import forms

from parties.models import Party, Role

INVITABLE_ROLES = [role for role in Role.values if role != Role.HUB]


def parse_party_spec(value: str, platform_id=None) -> tuple[str, str, str]:
    """`COUNTRY:PARTY:ROLE` (e.g. NL:ABC:CPO) not yet taken (the id by another platform than
    `platform_id`); ValueError naming what is wrong."""
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
    if Party.objects.claimed_elsewhere(country_code, party_id, platform_id).exists():
        raise ValueError(f"{value!r}: {country_code}:{party_id} is used by another platform")
    return country_code.upper(), party_id.upper(), role


def parse_party_lines(text: str, platform_id=None) -> list[tuple[str, str, str]]:
    """One COUNTRY:PARTY:ROLE per line; forms.ValidationError naming the bad line."""
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        return [parse_party_spec(line, platform_id) for line in lines]
    except ValueError as error:
        raise forms.ValidationError(str(error)) from None


class InviteForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Platform name shown in the admin")
    parties = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The parties it may register, one per line: COUNTRY:PARTY:ROLE, e.g. NL:ABC:CPO",
    )

    def clean_parties(self):
        return parse_party_lines(self.cleaned_data["parties"])


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
    parties = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="The roles the party may register, one per line: COUNTRY:PARTY:ROLE. Roles "
        "it sends that are not listed here (or already approved) are refused.",
    )

    def clean_parties(self):
        return parse_party_lines(self.cleaned_data["parties"])
