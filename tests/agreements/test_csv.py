"""Agreements as CSV: a round trip keeps them exactly; a bad file changes nothing."""

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements.csvio import CsvImportError, export_csv, import_csv
from agreements.models import Agreement, AgreementChange
from tests.agreements.conftest import agree

UNTIL = datetime(2030, 1, 1, tzinfo=UTC)


def state() -> list[tuple]:
    return sorted(
        (a.cpo.party_id, a.partner.party_id, tuple(a.modules), a.status, a.valid_until)
        for a in Agreement.objects.select_related("cpo", "partner")
    )


def test_export_then_import_restores_every_agreement(world):
    agree(world.cpa, world.msa, "locations", "tariffs", valid_until=UNTIL)
    agree(world.cpb, world.msb, "cdrs", "sessions", status="SUSPENDED")
    exported = export_csv(Agreement.objects.all())
    original = state()
    Agreement.objects.update(status="ENDED", modules=[])  # drifted since

    changed = import_csv(exported, "CSV import by test")

    assert changed == 2
    assert state() == original
    assert export_csv(Agreement.objects.all()) == exported
    assert exported.splitlines()[1] == (
        "NL,CPA,DE,MSA,EMSP,locations tariffs,ACTIVE,,2030-01-01T00:00:00Z"
    )
    assert AgreementChange.objects.filter(changed_by="CSV import by test").count() == 2


def test_import_creates_agreements_of_a_hub_it_migrates_from(world):
    text = (
        "cpo_country_code,cpo_party_id,partner_country_code,partner_party_id,partner_role,"
        "modules,status,valid_from,valid_until\n"
        "nl,cpa,de,msa,EMSP,locations cdrs,ACTIVE,2024-01-01T00:00:00Z,\n"
    )

    import_csv(text, "migration")

    agreement = Agreement.objects.get()
    assert (agreement.cpo, agreement.partner) == (world.cpa.party, world.msa.party)
    assert agreement.modules == ["cdrs", "locations"]
    assert agreement.valid_from == datetime(2024, 1, 1, tzinfo=UTC)


def test_a_bad_file_imports_nothing_and_names_each_problem(world):
    text = (
        "cpo_country_code,cpo_party_id,partner_country_code,partner_party_id,partner_role,"
        "modules,status,valid_from,valid_until\n"
        "NL,CPA,DE,MSA,EMSP,locations,ACTIVE,,\n"
        "NL,XXX,DE,MSA,EMSP,locations,ACTIVE,,\n"
        "NL,CPA,DE,MSB,EMSP,parking,ACTIVE,,\n"
        "NL,CPB,DE,MSB,EMSP,locations,ACTIVE,tomorrow,\n"
        "NL,CPB,DE,MSA,EMSP,locations,MAYBE,,\n"
    )

    with pytest.raises(CsvImportError) as refused:
        import_csv(text, "test")

    assert refused.value.errors == [
        "line 3: cpo_party_id: no CPO NL*XXX at the hub",
        "line 4: modules: unknown parking; expected locations, tariffs, tokens, sessions, cdrs, "
        "commands, chargingprofiles",
        "line 5: valid_from: 'tomorrow' is not an RFC 3339 date-time",
        "line 6: status: 'MAYBE' is not one of PLANNED, ACTIVE, SUSPENDED, ENDED",
    ]
    assert not Agreement.objects.exists()


def test_a_file_without_the_columns_is_refused(world):
    with pytest.raises(CsvImportError, match="missing column"):
        import_csv("cpo,partner\nNL*CPA,DE*MSA\n", "test")


def test_the_admin_exports_and_imports_csv(world, admin_client):
    agree(world.cpa, world.msa, "locations")
    exported = admin_client.get(reverse("admin:agreements_agreement_export"))
    assert exported["Content-Type"].startswith("text/csv")
    Agreement.objects.update(status="SUSPENDED")

    upload = SimpleUploadedFile("agreements.csv", exported.content, "text/csv")
    response = admin_client.post(reverse("admin:agreements_agreement_import"), {"file": upload})

    assert response.status_code == 302
    assert Agreement.objects.get().status == "ACTIVE"
    assert AgreementChange.objects.latest("pk").changed_by == "CSV import by admin admin"
