"""What the simulated parties do: onboarding, then a stream of OCPI traffic through the hub."""

import itertools
import random
import threading
import time

from demo.party import SimulatedParty, ok
from hub.types import now
from parties.actions import invite_platform

EVSE_STATUSES = ("AVAILABLE", "CHARGING", "AVAILABLE", "BLOCKED", "AVAILABLE", "OUTOFORDER")
LOCATIONS_PER_CPO = 2
TOKENS_PER_EMSP = 3


def location(cpo: SimulatedParty, number: int) -> dict:
    evses = [
        {
            "uid": f"EVSE{n}",
            "evse_id": f"{cpo.country_code}*{cpo.party_id}*E{number}{n}",
            "status": "AVAILABLE",
            "connectors": [
                {
                    "id": "1",
                    "standard": "IEC_62196_T2",
                    "format": "SOCKET",
                    "power_type": "AC_3_PHASE",
                    "max_voltage": 230,
                    "max_amperage": 32,
                    "tariff_ids": ["T1"],
                    "last_updated": now(),
                }
            ],
            "last_updated": now(),
        }
        for n in (1, 2)
    ]
    return {
        "country_code": cpo.country_code,
        "party_id": cpo.party_id,
        "id": f"LOC{number}",
        "publish": True,
        "name": f"{cpo.name} site {number}",
        "address": f"Stationsplein {number}",
        "city": "Utrecht",
        "country": "NLD",
        "coordinates": {"latitude": f"52.0{number}9444", "longitude": "5.110278"},
        "evses": evses,
        "time_zone": "Europe/Amsterdam",
        "last_updated": now(),
    }


def tariff(cpo: SimulatedParty) -> dict:
    return {
        "country_code": cpo.country_code,
        "party_id": cpo.party_id,
        "id": "T1",
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.39, "step_size": 1}]}],
        "last_updated": now(),
    }


def token(emsp: SimulatedParty, number: int, valid: bool = True) -> dict:
    return {
        "country_code": emsp.country_code,
        "party_id": emsp.party_id,
        "uid": f"{emsp.party_id}{number:05d}",
        "type": "RFID",
        "contract_id": f"{emsp.country_code}-{emsp.party_id}-C{number:08d}",
        "issuer": emsp.name,
        "valid": valid,
        "whitelist": "ALLOWED",
        "last_updated": now(),
    }


def cdr_token(token_object: dict) -> dict:
    keys = ("country_code", "party_id", "uid", "type", "contract_id")
    return {key: token_object[key] for key in keys}


class Scenario:
    def __init__(self, hub_url: str):
        self.hub_url = hub_url
        self.cpos = [
            SimulatedParty("Volt Charging", "NL", "VLT", "CPO", self.answer),
            SimulatedParty("Laadpaal Noord", "NL", "LPN", "CPO", self.answer),
        ]
        self.emsps = [
            SimulatedParty("DriveOn", "DE", "DRV", "EMSP", self.answer),
            SimulatedParty("RoamMore", "FR", "RMM", "EMSP", self.answer),
        ]
        self.parties = self.cpos + self.emsps
        self.tokens: dict[str, tuple[SimulatedParty, dict]] = {}  # uid -> (eMSP, Token)
        self.sessions: list[dict] = []  # active: {"cpo", "emsp", "session", "started"}
        self.serial = itertools.count(1)
        self.sent: dict[str, int] = {}
        self.lock = threading.Lock()
        self.outages = 0

    # ---------------------------------------------------------------- onboarding

    def onboard(self) -> None:
        """Invite each party as an admin would, then let it register with its Token A."""
        for party in self.parties:
            party.start()
            _, token_a = invite_platform(
                party.name, [(party.country_code, party.party_id, party.role)]
            )
            party.register(f"{self.hub_url}/ocpi/versions", token_a)
        for cpo in self.cpos:
            self.send(
                cpo,
                "PUT",
                "tariffs",
                "RECEIVER",
                f"{cpo.country_code}/{cpo.party_id}/T1",
                tariff(cpo),
            )
            for number in range(1, LOCATIONS_PER_CPO + 1):
                path = f"{cpo.country_code}/{cpo.party_id}/LOC{number}"
                self.send(cpo, "PUT", "locations", "RECEIVER", path, location(cpo, number))
        for emsp in self.emsps:
            for number in range(1, TOKENS_PER_EMSP + 1):
                self.put_token(emsp, token(emsp, number))

    def send(self, party, method, module, interface, path="", body=None, to=None) -> dict:
        answer = party.send(method, module, interface, path, body, to)
        with self.lock:
            key = f"{module} {answer.get('status_code')}"
            self.sent[key] = self.sent.get(key, 0) + 1
        return answer

    def put_token(self, emsp: SimulatedParty, token_object: dict) -> None:
        self.tokens[token_object["uid"]] = (emsp, token_object)
        path = f"{emsp.country_code}/{emsp.party_id}/{token_object['uid']}"
        self.send(emsp, "PUT", "tokens", "RECEIVER", path, token_object)

    # ---------------------------------------------------------------- traffic

    def run(self, stopping, duration: float, outage_every: float, outage_for: float) -> None:
        started = time.monotonic()
        next_outage = started + outage_every
        next_report = started + 10
        actions = [self.evse_status] * 4 + [self.token_update, self.authorize] * 2
        actions += [self.start_session, self.stop_session] * 2
        while not stopping.is_set():
            moment = time.monotonic()
            if duration and moment - started >= duration:
                break
            if moment >= next_outage:
                threading.Thread(target=self.outage, args=(outage_for,), daemon=True).start()
                next_outage = moment + outage_every
            if moment >= next_report:
                print(self.report(), flush=True)
                next_report = moment + 10
            random.choice(actions)()
            stopping.wait(0.3)

    def evse_status(self) -> None:
        cpo = random.choice(self.cpos)
        number, evse = random.randint(1, LOCATIONS_PER_CPO), random.choice(("EVSE1", "EVSE2"))
        path = f"{cpo.country_code}/{cpo.party_id}/LOC{number}/{evse}"
        body = {"status": random.choice(EVSE_STATUSES), "last_updated": now()}
        self.send(cpo, "PATCH", "locations", "RECEIVER", path, body)

    def token_update(self) -> None:
        emsp = random.choice(self.emsps)
        self.put_token(emsp, token(emsp, random.randint(1, TOKENS_PER_EMSP), random.random() > 0.2))

    def authorize(self) -> None:
        cpo = random.choice(self.cpos)
        uid = random.choice(list(self.tokens))
        body = {"location_id": "LOC1", "evse_uids": ["EVSE1"]}
        self.send(cpo, "POST", "tokens", "SENDER", f"{uid}/authorize", body)

    def start_session(self) -> None:
        uid = random.choice(list(self.tokens))
        emsp, token_object = self.tokens[uid]
        cpo = random.choice(self.cpos)
        body = {
            "response_url": f"{emsp.url}/2.2.1/commands/START_SESSION/{next(self.serial)}",
            "token": token_object,
            "location_id": f"LOC{random.randint(1, LOCATIONS_PER_CPO)}",
            "evse_uid": "EVSE1",
        }
        self.send(emsp, "POST", "commands", "RECEIVER", "START_SESSION", body, to=cpo)

    def stop_session(self) -> None:
        with self.lock:
            ready = [s for s in self.sessions if time.monotonic() - s["started"] > 4]
            if not ready:
                return
            active = ready[0]
        body = {
            "response_url": f"{active['emsp'].url}/2.2.1/commands/STOP_SESSION/{next(self.serial)}",
            "session_id": active["session"]["id"],
        }
        self.send(
            active["emsp"], "POST", "commands", "RECEIVER", "STOP_SESSION", body, to=active["cpo"]
        )

    def outage(self, seconds: float) -> None:
        """One eMSP stops answering for a while; the hub retries and catches up after."""
        emsp = self.emsps[-1]
        if not emsp.running:
            return
        self.outages += 1
        print(f"outage: {emsp} stops answering for {seconds:.0f} s", flush=True)
        emsp.stop()
        time.sleep(seconds)
        emsp.start()
        print(f"outage over: {emsp} answers again", flush=True)

    # ---------------------------------------------------------------- answering the hub

    def answer(self, party, method, module, segments, body):
        """Answers that need more than a plain success; None for the rest."""
        if party.role == "EMSP" and module == "tokens" and segments[-1:] == ["authorize"]:
            known = self.tokens.get(segments[0])
            if known is None:
                return 404, ok(status_code=2004)
            allowed = "ALLOWED" if known[1]["valid"] else "BLOCKED"
            return 200, ok({"allowed": allowed, "token": known[1]})
        if party.role == "CPO" and module == "commands" and method == "POST" and body:
            command = segments[0] if segments else ""
            threading.Timer(0.5, self.carry_out, (party, command, body)).start()
            return 200, ok({"result": "ACCEPTED", "timeout": 30})
        return None

    def carry_out(self, cpo: SimulatedParty, command: str, body: dict) -> None:
        """The CPO's side of a command: its result, then the Session (and the CDR)."""
        if command == "START_SESSION":
            emsp, _ = self.tokens.get(body["token"]["uid"], (None, None))
            if emsp is None:
                return
            session = self.session(cpo, body)
            self.post_result(cpo, emsp, body["response_url"])
            self.put_session(cpo, session)
            with self.lock:
                self.sessions.append(
                    {"cpo": cpo, "emsp": emsp, "session": session, "started": time.monotonic()}
                )
        elif command == "STOP_SESSION":
            with self.lock:
                found = [s for s in self.sessions if s["session"]["id"] == body["session_id"]]
                for active in found:
                    self.sessions.remove(active)
            if not found:
                return
            active = found[0]
            self.post_result(cpo, active["emsp"], body["response_url"])
            session = {
                **active["session"],
                "status": "COMPLETED",
                "kwh": 7.5,
                "end_date_time": now(),
                "last_updated": now(),
            }
            self.put_session(cpo, session)
            self.send(cpo, "POST", "cdrs", "RECEIVER", "", self.cdr(cpo, session))

    def post_result(self, cpo: SimulatedParty, emsp: SimulatedParty, url: str) -> None:
        cpo.http.post(url, json={"result": "ACCEPTED"}, headers=cpo.headers(cpo.token_c, emsp))

    def session(self, cpo: SimulatedParty, command: dict) -> dict:
        return {
            "country_code": cpo.country_code,
            "party_id": cpo.party_id,
            "id": f"S{next(self.serial):06d}",
            "start_date_time": now(),
            "kwh": 0,
            "cdr_token": cdr_token(command["token"]),
            "auth_method": "COMMAND",
            "location_id": command["location_id"],
            "evse_uid": command["evse_uid"],
            "connector_id": "1",
            "currency": "EUR",
            "status": "ACTIVE",
            "last_updated": now(),
        }

    def put_session(self, cpo: SimulatedParty, session: dict) -> None:
        path = f"{cpo.country_code}/{cpo.party_id}/{session['id']}"
        self.send(cpo, "PUT", "sessions", "RECEIVER", path, session)

    def cdr(self, cpo: SimulatedParty, session: dict) -> dict:
        return {
            "country_code": cpo.country_code,
            "party_id": cpo.party_id,
            "id": f"CDR{session['id']}",
            "start_date_time": session["start_date_time"],
            "end_date_time": session["end_date_time"],
            "session_id": session["id"],
            "cdr_token": session["cdr_token"],
            "auth_method": "COMMAND",
            "cdr_location": {
                "id": session["location_id"],
                "address": "Stationsplein 1",
                "city": "Utrecht",
                "country": "NLD",
                "coordinates": {"latitude": "52.089444", "longitude": "5.110278"},
                "evse_uid": session["evse_uid"],
                "evse_id": f"{cpo.country_code}*{cpo.party_id}*E11",
                "connector_id": "1",
                "connector_standard": "IEC_62196_T2",
                "connector_format": "SOCKET",
                "connector_power_type": "AC_3_PHASE",
            },
            "tariffs": [tariff(cpo)],
            "currency": "EUR",
            "charging_periods": [
                {
                    "start_date_time": session["start_date_time"],
                    "dimensions": [{"type": "ENERGY", "volume": 7.5}],
                }
            ],
            "total_cost": {"excl_vat": 2.93, "incl_vat": 3.54},
            "total_energy": 7.5,
            "total_time": 0.01,
            "last_updated": now(),
        }

    # ---------------------------------------------------------------- reporting

    def report(self) -> str:
        received = "; ".join(
            f"{party} got "
            + (", ".join(f"{m} {n}" for m, n in sorted(party.received.items())) or "nothing yet")
            for party in self.parties
        )
        return f"traffic: {received}"

    def summary(self) -> dict:
        return {
            "received": {str(party): dict(party.received) for party in self.parties},
            "sent": dict(self.sent),
            "outages": self.outages,
        }

    def close(self) -> None:
        for party in self.parties:
            party.close()
