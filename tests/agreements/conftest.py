"""Two CPOs and two eMSPs with every interface, agreements between them, and the two policies."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from agreements.actions import save_agreement
from agreements.models import Agreement
from hub.types import format_datetime
from tests.cdrs.conftest import cdr
from tests.conftest import create_platform, ocpi_client
from tests.locations.conftest import location
from tests.sessions.conftest import session
from tests.tariffs.conftest import tariff
from tests.tokens.conftest import token

RECEIVERS = ("locations", "tariffs", "tokens", "sessions", "cdrs", "hubclientinfo")
SENDERS = ("tokens", "sessions", "chargingprofiles", "locations", "tariffs")
CPOS = {"cpa": ("NL", "CPA"), "cpb": ("NL", "CPB")}
EMSPS = {"msa": ("DE", "MSA"), "msb": ("DE", "MSB")}


def base_url(name: str) -> str:
    return f"http://{name}.test/ocpi/2.2.1"


def all_endpoints(name: str) -> dict:
    urls = {(module, "RECEIVER"): f"{base_url(name)}/{module}/" for module in RECEIVERS}
    urls.update({(module, "SENDER"): f"{base_url(name)}/s/{module}/" for module in SENDERS})
    urls[("commands", "RECEIVER")] = f"{base_url(name)}/commands/"
    urls[("chargingprofiles", "RECEIVER")] = f"{base_url(name)}/chargingprofiles/"
    return urls


@pytest.fixture
def world(db):
    """CPOs NL*CPA, NL*CPB and eMSPs DE*MSA, DE*MSB, each on its own connected platform
    advertising every interface at http://<name>.test/; each has `.client` and `.party`."""
    found = SimpleNamespace()
    for name, (country_code, party_id) in {**CPOS, **EMSPS}.items():
        role = "CPO" if name in CPOS else "EMSP"
        platform, access = create_platform(
            name, [(country_code, party_id, role)], endpoints=all_endpoints(name)
        )
        setattr(
            found,
            name,
            SimpleNamespace(
                platform=platform, party=platform.parties.get(), client=ocpi_client(access)
            ),
        )
    return found


@pytest.fixture(params=["open", "agreements"])
def policy(request, settings):
    """Each test runs under both hub policies."""
    settings.HUB_ROAMING_POLICY = request.param
    return request.param


def agree(cpo, partner, *modules, status="ACTIVE", **terms) -> Agreement:
    """Create or change the agreement of two world members (`.party`)."""
    agreement = Agreement.objects.filter(cpo=cpo.party, partner=partner.party).first()
    agreement = agreement or Agreement(cpo=cpo.party, partner=partner.party)
    agreement.modules = list(modules)
    agreement.status = status
    for field, value in terms.items():
        setattr(agreement, field, value)
    save_agreement(agreement, "test")
    return agreement


def now_text(minutes: int = 0) -> str:
    return format_datetime(timezone.now() + timedelta(minutes=minutes))


# Objects of a CPO (cc, pid) or for an eMSP, built from the modules' own test builders.


def location_of(cpo, location_id="LOC1") -> dict:
    cc, pid = cpo.party.ref
    return location(country_code=cc, party_id=pid, id=location_id)


def tariff_of(cpo, tariff_id="T1") -> dict:
    cc, pid = cpo.party.ref
    return tariff(country_code=cc, party_id=pid, id=tariff_id)


def token_of(emsp, uid="TOK1") -> dict:
    cc, pid = emsp.party.ref
    return token(country_code=cc, party_id=pid, uid=uid)


def cdr_token_of(emsp) -> dict:
    cc, pid = emsp.party.ref
    return {
        "country_code": cc,
        "party_id": pid,
        "uid": "TOK1",
        "type": "RFID",
        "contract_id": f"{cc}-{pid}-C1",
    }


def session_of(cpo, emsp, session_id="S1", start=None) -> dict:
    cc, pid = cpo.party.ref
    start = start or now_text()
    return session(
        country_code=cc,
        party_id=pid,
        id=session_id,
        cdr_token=cdr_token_of(emsp),
        start_date_time=start,
        last_updated=start,
    )


def cdr_of(cpo, emsp, cdr_id="CDR1", start=None) -> dict:
    cc, pid = cpo.party.ref
    start = start or now_text()
    end = now_text(1)
    periods = [{"start_date_time": start, "dimensions": [{"type": "ENERGY", "volume": 11}]}]
    return cdr(
        country_code=cc,
        party_id=pid,
        id=cdr_id,
        cdr_token=cdr_token_of(emsp),
        start_date_time=start,
        end_date_time=end,
        last_updated=end,
        charging_periods=periods,
    )


def put_location(cpo, body, **headers):
    cc, pid = cpo.party.ref
    return cpo.client.put(
        f"/ocpi/2.2.1/receiver/locations/{cc}/{pid}/{body['id']}", body, format="json", **headers
    )


def put_tariff(cpo, body, **headers):
    cc, pid = cpo.party.ref
    return cpo.client.put(
        f"/ocpi/2.2.1/receiver/tariffs/{cc}/{pid}/{body['id']}", body, format="json", **headers
    )


def put_token(emsp, body, **headers):
    cc, pid = emsp.party.ref
    return emsp.client.put(
        f"/ocpi/2.2.1/receiver/tokens/{cc}/{pid}/{body['uid']}", body, format="json", **headers
    )


def put_session(cpo, body, **headers):
    cc, pid = cpo.party.ref
    return cpo.client.put(
        f"/ocpi/2.2.1/receiver/sessions/{cc}/{pid}/{body['id']}", body, format="json", **headers
    )


def post_cdr(cpo, body, **headers):
    return cpo.client.post("/ocpi/2.2.1/receiver/cdrs", body, format="json", **headers)


def to(party) -> dict:
    """OCPI-to headers naming a world member."""
    cc, pid = party.party.ref
    return {"HTTP_OCPI_TO_COUNTRY_CODE": cc, "HTTP_OCPI_TO_PARTY_ID": pid}


def status_of(response) -> int:
    return response.json()["status_code"]
