"""Agreements as CSV, for operators moving from another hub (one row per pair).

Columns: cpo_country_code, cpo_party_id, partner_country_code, partner_party_id, partner_role,
modules (ModuleIDs separated by spaces), status, valid_from, valid_until (RFC 3339, or empty).
"""

import csv
import io

from django.db import transaction

from agreements.actions import save_agreement
from agreements.models import Agreement
from hub.exceptions import OCPIError
from hub.types import format_datetime, parse_datetime
from parties.models import Party, Role

COLUMNS = (
    "cpo_country_code",
    "cpo_party_id",
    "partner_country_code",
    "partner_party_id",
    "partner_role",
    "modules",
    "status",
    "valid_from",
    "valid_until",
)


def export_csv(agreements) -> str:
    """The agreements as CSV text, header first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for agreement in agreements.select_related("cpo", "partner"):
        writer.writerow(
            [
                agreement.cpo.country_code,
                agreement.cpo.party_id,
                agreement.partner.country_code,
                agreement.partner.party_id,
                agreement.partner.role,
                " ".join(agreement.modules),
                agreement.status,
                format_datetime(agreement.valid_from) if agreement.valid_from else "",
                format_datetime(agreement.valid_until) if agreement.valid_until else "",
            ]
        )
    return out.getvalue()


class CsvImportError(Exception):
    """The file was refused; `errors` name the line and the column of each problem."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def import_csv(text: str, changed_by: str) -> int:
    """Create or update the agreements of a CSV file: all rows or none (CsvImportError lists
    every bad row). Returns how many agreements changed."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or ())]
    if missing:
        raise CsvImportError([f"header: missing column(s) {', '.join(missing)}"])
    errors: list[str] = []
    changed = 0
    with transaction.atomic():
        for line, row in enumerate(reader, start=2):
            try:
                changed += save_agreement(_agreement(row), changed_by) is not None
            except (OCPIError, ValueError) as error:
                errors.append(f"line {line}: {getattr(error, 'message', error)}")
        if errors:
            transaction.set_rollback(True)
            raise CsvImportError(errors)
    return changed


def _party(row: dict, side: str, role: str) -> Party:
    country_code, party_id = row[f"{side}_country_code"].strip(), row[f"{side}_party_id"].strip()
    party = Party.objects.by_id(country_code, party_id).filter(role=role).first()
    if party is None:
        raise ValueError(f"{side}_party_id: no {role} {country_code}*{party_id} at the hub")
    return party


def _date(row: dict, column: str):
    raw = (row[column] or "").strip()
    if not raw:
        return None
    try:
        return parse_datetime(raw)
    except ValueError:
        raise ValueError(f"{column}: {raw!r} is not an RFC 3339 date-time") from None


def _agreement(row: dict) -> Agreement:
    cpo = _party(row, "cpo", Role.CPO)
    partner = _party(row, "partner", (row["partner_role"] or "").strip().upper())
    agreement = Agreement.objects.filter(cpo=cpo, partner=partner).first() or Agreement(
        cpo=cpo, partner=partner
    )
    agreement.modules = (row["modules"] or "").split()
    agreement.status = (row["status"] or "").strip().upper()
    agreement.valid_from = _date(row, "valid_from")
    agreement.valid_until = _date(row, "valid_until")
    return agreement
