"""Schemathesis over every operation against a live server on a seeded demo zone, with every
check and every phase (examples, coverage, fuzzing, stateful): what `schemathesis run --checks
all` does, in-process, so that CI fails on any finding and on any operation the fuzz never got a
2xx from (a 401/403/404 says nothing about the operation's own logic)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import schemathesis
from schemathesis import Case, HookContext
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import AcceptedNegativeData, Failure
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Ok
from schemathesis.core.transport import Response
from schemathesis.engine import events, from_schema
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import TestPhase
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER
from schemathesis.openapi.checks import RejectedPositiveData

from app import clock, demo
from app.auth import service as auth_service
from app.auth.roles import LoginRole
from app.auth.schemas import UserCreate
from app.config import PROJECT_ROOT, Settings
from app.db import create_engine, create_session_factory, drop_database
from app.demo import DEMO_PASSWORD
from app.migrations import upgrade
from tests.conftest import TEST_SECRET, fresh_database, make_settings
from tests.live import free_port

FUZZ_ADMIN_EMAIL = "fuzz-admin@example.com"
FUZZ_ADMIN_PASSWORD = "fuzz-admin-password"
# Takes the blows aimed at the fuzzing administrator's own account (see `spare_the_fuzzer`).
STAND_IN_EMAIL = "stand-in-admin@example.com"

SEED = 20261201
# Operations still without a 2xx after the main run get up to this many more runs of their own,
# each with another seed (their findings count like any other): an operation whose 2xx needs a
# rare draw (a fresh activity to delete, a draft to publish) is then reached in every run, and
# one that never answers 2xx still fails the test.
TOP_UP_RUNS = 3

# Every check runs, everywhere but one: see SOFT_DELETED_READS.
EXCLUDED_CHECKS: list[str] = []
# Reads whose record DELETE deactivates or archives rather than removes (their operations'
# descriptions say so); `use_after_free` alone is off for them.
SOFT_DELETED_READS = ("getUser", "getEnterprise")

# Import uploads are NDJSON text; Schemathesis sends them as it sends text/plain.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


@dataclass
class Zone:
    """The live server, the fuzzing administrator's token and real path parameters per path."""

    url: str
    token: str
    admin_id: str
    stand_in_id: str
    path_parameters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Body fields naming another record, by field name: real ids to put there.
    body_ids: dict[str, list[str]] = field(default_factory=dict)
    # An enterprise user (ratings are the enterprise's own): its token and what it may rate.
    rater: Rater | None = None


@dataclass
class Rater:
    id: str
    token: str
    visits: list[str]
    demands: list[str]


def _items(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(path, params={"limit": 200, **params})
    response.raise_for_status()
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _real_path_parameters(client: httpx.Client, admin_id: str) -> dict[str, list[dict[str, Any]]]:
    """Ids the demo zone really holds, keyed by the path they fill (the fuzz archives, deletes and
    revokes some of them as it goes: there are enough to go round). Not the fuzzing
    administrator's own: see `spare_the_fuzzer`."""
    users = [u["id"] for u in _items(client, "/api/v1/users") if u["id"] != admin_id]
    keys = []
    for n in range(3):
        created = client.post("/api/v1/api-keys", json={"name": f"fuzz key {n}"})
        created.raise_for_status()
        keys.append(created.json()["id"])
    enterprises = [e["id"] for e in _items(client, "/api/v1/enterprises")]
    reports = [
        {"enterprise_id": e, "year": r["year"]}
        for e in enterprises[:10]
        for r in _items(client, f"/api/v1/enterprises/{e}/annual-reports")
    ]
    members = [
        {"pool": pool, "member_id": m["id"]}
        for pool in ("hte", "sme")
        for m in _items(client, f"/api/v1/pools/{pool}/members")
    ]
    projects = [p["id"] for p in _items(client, "/api/v1/projects")]
    milestones = [
        {"project_id": p, "milestone_id": m["id"]}
        for p in projects[:10]
        for m in _items(client, f"/api/v1/projects/{p}/milestones")
    ]
    specialists = [s["id"] for s in _items(client, "/api/v1/specialists")]
    demands = [d["id"] for d in _items(client, "/api/v1/demands")]
    visits = [v["id"] for v in _items(client, "/api/v1/visits")]
    this_year = clock.today(ZoneInfo("Asia/Shanghai")).year
    rounds = [
        {"year": r["year"], "round_number": r["round"]}
        for year in (this_year - 1, this_year)
        for r in _items(client, "/api/v1/visit-rounds", year=year)
    ]
    activities = [a["id"] for a in _items(client, "/api/v1/activities")]
    # Demo activities were attended, and then are kept: fresh ones can be deleted. As many as
    # the demo's, so that DELETE meets one in about half its cases (with 3 it met none in some
    # runs, once the others had been deleted or attended).
    for n in range(max(20, len(activities))):
        created = client.post(
            "/api/v1/activities",
            json={
                "kind": "policy_briefing",
                "title": f"fuzz {n}",
                "held_on": "2026-01-15",
                "organiser": "fuzz",
            },
        )
        created.raise_for_status()
        activities.append(created.json()["id"])
    invitations = [
        {"activity_id": a, "enterprise_id": i["enterprise_id"]}
        for a in activities
        for i in _items(client, f"/api/v1/activities/{a}/invitations")
    ]
    runs = [r["id"] for r in _items(client, "/api/v1/rankings")]
    # The demo publishes its runs, and a published run is final (neither published again nor
    # deleted): drafts of the years it ranked, half for publishing, half among the other runs.
    drafts = []
    for year in (this_year - 2, this_year - 1):
        for pool in ("hte", "sme", "hte", "sme"):
            created = client.post("/api/v1/rankings", json={"pool": pool, "year": year})
            if created.status_code == 201:
                drafts.append(created.json()["id"])
    achievements = [a["id"] for a in _items(client, "/api/v1/achievements")]
    # Plans of their own (the demo's aim at qualifications): a project goal for each of the
    # first ten enterprises, each with two tasks.
    plans, plan_tasks = [], []
    for enterprise in enterprises[:10]:
        created = client.post(
            f"/api/v1/enterprises/{enterprise}/plans",
            json={
                "goal_kind": "project",
                "goal_level": "city",
                "target_year": this_year + 1,
                "propose": False,
                "tasks": [{"title": "fuzz 1"}, {"title": "fuzz 2"}],
            },
        )
        created.raise_for_status()
        plans.append(created.json()["id"])
        plan_tasks += [
            {"plan_id": created.json()["id"], "task_id": t["id"]} for t in created.json()["tasks"]
        ]
    policies = [p["id"] for p in _items(client, "/api/v1/policies")]
    job = client.post(
        "/api/v1/imports/enterprises",
        content=b'{"uscc": "not a code", "name": "x"}\n',
        headers={"Content-Type": "application/x-ndjson"},
    )
    job.raise_for_status()
    jobs = [job.json()["id"]]

    # The demo runs no campaigns yet: a round of each kind, and applications in them of
    # enterprises with no project campaign (which names a project).
    campaigns = []
    for kind in ("hte_recognition", "sme_evaluation", "little_giant", "srdi_little_giant"):
        created = client.post(
            "/api/v1/campaigns",
            json={
                "kind": kind,
                "title": f"fuzz {kind}",
                "year": this_year,
                "opens_on": f"{this_year}-03-01",
                "internal_deadline_on": f"{this_year}-05-20",
                "submission_deadline_on": f"{this_year}-05-31",
            },
        )
        created.raise_for_status()
        campaigns.append(created.json()["id"])
    applications = []
    for n, enterprise in enumerate(enterprises[:12]):
        created = client.post(
            "/api/v1/applications",
            json={"campaign_id": campaigns[n % len(campaigns)], "enterprise_id": enterprise},
        )
        created.raise_for_status()
        applications.append(created.json()["id"])
    checklist = [
        {"application_id": a, "item_code": i["code"]}
        for a in applications
        for i in _items(client, f"/api/v1/applications/{a}/checklist")
    ]

    def each(name: str, ids: list[Any]) -> list[dict[str, Any]]:
        return [{name: i} for i in ids]

    v1 = "/api/v1"
    return {
        f"{v1}/users/{{user_id}}": each("user_id", users),
        f"{v1}/api-keys/{{key_id}}": each("key_id", keys),
        f"{v1}/enterprises/{{enterprise_id}}": each("enterprise_id", enterprises),
        f"{v1}/enterprises/{{enterprise_id}}/annual-reports/{{year}}": reports,
        f"{v1}/pools/{{pool}}/members/{{member_id}}": members,
        f"{v1}/projects/{{project_id}}": each("project_id", projects),
        f"{v1}/projects/{{project_id}}/milestones/{{milestone_id}}": milestones,
        f"{v1}/specialists/{{specialist_id}}": each("specialist_id", specialists),
        f"{v1}/demands/{{demand_id}}": each("demand_id", demands),
        f"{v1}/visits/{{visit_id}}": each("visit_id", visits),
        f"{v1}/visit-rounds/{{year}}/{{round_number}}": rounds,
        f"{v1}/activities/{{activity_id}}": each("activity_id", activities),
        f"{v1}/activities/{{activity_id}}/invitations/{{enterprise_id}}": invitations,
        f"{v1}/rankings/{{run_id}}": each("run_id", runs + drafts[::2]),
        f"{v1}/rankings/{{run_id}}/publish": each("run_id", drafts[1::2]),
        f"{v1}/achievements/{{achievement_id}}": each("achievement_id", achievements),
        f"{v1}/plans/{{plan_id}}": each("plan_id", plans),
        f"{v1}/plans/{{plan_id}}/tasks/{{task_id}}": plan_tasks,
        f"{v1}/policies/{{policy_id}}": each("policy_id", policies),
        f"{v1}/imports/{{job_id}}": each("job_id", jobs),
        f"{v1}/campaigns/{{campaign_id}}": each("campaign_id", campaigns),
        f"{v1}/applications/{{application_id}}": each("application_id", applications),
        f"{v1}/applications/{{application_id}}/checklist/{{item_code}}": checklist,
    }


async def _seed_demo(url: str, settings: Settings) -> None:
    engine = create_engine(url, settings)
    try:
        factory = create_session_factory(engine)
        async with factory() as session:
            for email in (FUZZ_ADMIN_EMAIL, STAND_IN_EMAIL):
                user = UserCreate(email=email, password=FUZZ_ADMIN_PASSWORD, role=LoginRole.ADMIN)
                await auth_service.create_user(session, settings, None, user)
            await session.commit()
        await demo.seed(factory, settings)
    finally:
        await engine.dispose()


def _real_body_ids(
    client: httpx.Client, paths: dict[str, list[dict[str, Any]]]
) -> dict[str, list[str]]:
    """Real ids for the body fields that name another record (a made-up one is rightly 422)."""

    def ids(path: str, name: str) -> list[str]:
        return [str(p[name]) for p in paths[f"/api/v1/{path}"]]

    enterprises = ids("enterprises/{enterprise_id}", "enterprise_id")
    specialists = ids("specialists/{specialist_id}", "specialist_id")
    # Users with the specialist role and no specialist profile yet, for `createSpecialist`.
    newcomers = []
    for n in range(4):
        created = client.post(
            "/api/v1/users",
            json={
                "email": f"fuzz-specialist-{n}@example.com",
                "password": FUZZ_ADMIN_PASSWORD,
                "role": "specialist",
            },
        )
        created.raise_for_status()
        newcomers.append(created.json()["id"])
    return {
        "enterprise_id": enterprises,
        "enterprise_ids": enterprises,
        "policies_presented": ids("policies/{policy_id}", "policy_id"),
        "specialist_id": specialists,
        "specialist_ids": specialists,
        "user_id": newcomers,
        "visit_id": ids("visits/{visit_id}", "visit_id"),
        "demand_id": ids("demands/{demand_id}", "demand_id"),
        "campaign_id": ids("campaigns/{campaign_id}", "campaign_id"),
    }


def _rater(client: httpx.Client, url: str) -> Rater:
    """An enterprise user of the enterprise with the most visits, made after the users the fuzz
    writes to were listed (so it keeps its token), with the visits and demands it may rate."""
    visits = _items(client, "/api/v1/visits")
    enterprise = Counter(v["enterprise_id"] for v in visits).most_common(1)[0][0]
    created = client.post(
        "/api/v1/users",
        json={
            "email": "fuzz-rater@example.com",
            "password": FUZZ_ADMIN_PASSWORD,
            "role": "enterprise",
            "enterprise_id": enterprise,
        },
    )
    created.raise_for_status()
    token = httpx.post(
        f"{url}/api/v1/auth/token",
        data={"username": "fuzz-rater@example.com", "password": FUZZ_ADMIN_PASSWORD},
    ).json()["access_token"]
    demands = _items(client, "/api/v1/demands", enterprise_id=enterprise)
    return Rater(
        created.json()["id"],
        token,
        [v["id"] for v in visits if v["enterprise_id"] == enterprise],
        [d["id"] for d in demands if d["enterprise_id"] == enterprise],
    )


@contextmanager
def _serve(database_url: str) -> Iterator[str]:
    """The service in its own process (`app.cli serve`), so that it and the fuzzer each get a
    core instead of sharing one interpreter."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "PORT": str(port),
        "SEED_DEMO": "false",
        "LOG_LEVEL": "warning",
        # One process: the cases meet one state in one order.
        "WEB_CONCURRENCY": "1",
    }
    for name in ("BOOTSTRAP_ADMIN_EMAIL", "BOOTSTRAP_ADMIN_PASSWORD", "CORS_ORIGINS"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the fuzzed server did not start")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def zone(server_url: str) -> Iterator[Zone]:
    """A live server on its own database holding the demo zone and a fuzzing administrator."""
    url = fresh_database(server_url, "fuzz")
    try:
        upgrade(url)
        settings = make_settings(url)
        # Seeded before the server starts, so the start-up stays quick on a busy machine.
        asyncio.run(_seed_demo(url, settings))
        with _serve(url) as server_url_:
            token = httpx.post(
                f"{server_url_}/api/v1/auth/token",
                data={"username": FUZZ_ADMIN_EMAIL, "password": FUZZ_ADMIN_PASSWORD},
            ).json()["access_token"]
            with httpx.Client(
                base_url=server_url_, headers={"Authorization": f"Bearer {token}"}, timeout=30
            ) as client:
                me = client.get("/api/v1/me").json()["id"]
                users = {u["email"]: u["id"] for u in _items(client, "/api/v1/users")}
                ids = _real_path_parameters(client, me)
                body_ids = _real_body_ids(client, ids)
                rater = _rater(client, server_url_)
                yield Zone(server_url_, token, me, users[STAND_IN_EMAIL], ids, body_ids, rater)
    finally:
        asyncio.run(drop_database(url))


def _pick(options: list[dict[str, Any]], seed: Any) -> dict[str, Any] | None:
    """A deterministic choice driven by the generated value: 3 cases in 4 get a real id, the
    fourth keeps the generated one (so 404s stay exercised)."""
    digest = hashlib.sha256(repr(seed).encode()).digest()
    if not options or digest[0] % 4 == 0:
        return None
    return options[int.from_bytes(digest[1:5], "big") % len(options)]


def _template_for(path: str, zone: Zone) -> str | None:
    """The longest seeded path that `path` starts with (sub-resources reuse their parent's id)."""
    matches = [t for t in zone.path_parameters if path == t or path.startswith(t + "/")]
    return max(matches, key=len) if matches else None


def _names(value: object, user_id: str) -> bool:
    """Whether a path value designates `user_id` (the service parses every UUID spelling)."""
    try:
        return uuid.UUID(str(value)) == uuid.UUID(user_id)
    except ValueError:
        return False


# 422 codes for rules no JSON Schema can state (other records, the calendar, sums, cross-field
# order): a schema-valid request may rightly break them. `validation_failed` is not here: it
# means the document allows what the service refuses, which is a finding.
RULES_BEYOND_THE_SCHEMA = {
    "achieved_in_future": "the calendar",
    "expiry_not_in_future": "the calendar (an API key expires after now)",
    "inconsistent_fields": "a rule across fields (`inconsistent()` in app/schemas.py)",
    "invalid_cursor": "a cursor is valid only when the service issued it",
    "nul_character": "PostgreSQL cannot store NUL; checked on every string at once",
    "invalid_period": "`from` after `to`",
    "invalid_year": "up to next year, which moves every 1 January",
    "year_not_started": "the calendar",
    "override_expired": "the calendar",
    "report_in_future": "the calendar",
    "note_required": "another record: a percent below the previous report's needs a note",
    "activity_not_held": "the calendar",
    "no_rule_set": "no assessment rules for that year",
    "application_before_data": "an application lies after the data year it is assessed on",
    "approved_in_future": "the calendar",
    "issued_in_future": "the calendar",
    "not_approved": "another record's state: an approval date needs an approved project",
    "unknown_demand": "another record, of the same enterprise",
    "unknown_campaign": "another record",
    "unknown_project": "another record, of the same enterprise",
    "unknown_visit": "another record, of the same enterprise",
    "project_required": "another record's kind: a project campaign names the project",
    "project_not_applying": "another record's state: the project must be applying",
    "reason_required": "another record's state: withdrawing an approval says why",
    "dates_out_of_order": "the stored dates, when only some are sent",
    "unknown_enterprise": "another record",
    "unknown_policy": "another record",
    "unknown_specialist": "another record",
    "unknown_user": "another record",
    "not_a_specialist": "another record's role",
    "not_invited": "another record",
    "wrong_member_kind": "another record",
    "fixed_by_qualification": "another record",
    "milestone_outside_project": "another record's dates",
    "disbursed_over_approved": "the stored approved_funding, when only one amount is sent",
    "end_before_start": "the stored start_on or end_on, when only one is sent",
    "empty_cohort": "no enterprise in the pool on the cohort day (other records)",
    "visit_before_demand": "another record's date",
    "visit_in_future": "the calendar",
    "unfit_for_kind": "fields allowed depend on the kind",
    "invalid_weights": "weights must sum to 1",
    "invalid_uscc": "a check character (GB 32100-2015)",
    "empty_file": "a file with no rows",
    "certificate_required": "the pool of the path (hte) asks for the certificate number",
    "effective_before_current": "another record: the enterprise's current assignment",
    "effective_before_entry": "another record: the member's previous move",
    "effective_in_future": "the calendar",
    "enterprise_role_fixed": "another record: the account's current role",
    "entry_conditions_unmet": "other records: the enterprise's reports and qualifications",
}
INVITATIONS = "/api/v1/activities/{activity_id}/invitations/{enterprise_id}"
RATINGS = "/api/v1/satisfaction-ratings"
# Instants the service refuses in the future (the calendar): 3 in 4 future ones are moved into
# the past, or the few schema-valid bodies that name real records would mostly be refused.
PAST = {"visited_at": "2026-01-15T10:00:00+08:00", "reported_on": "2026-01-15"}


def _with_real_ids(body: dict[str, Any], zone: Zone) -> dict[str, Any]:
    """`body` with 3 in 4 of its fields naming another record set to a real one (drawn on the
    whole body: the coverage phase varies one field at a time, and a draw on the field's own
    value would leave, say, the example's made-up specialist in every one of those cases)."""
    changed = dict(body)
    for name, value in body.items():
        choice = _pick([{"id": i} for i in zone.body_ids.get(name, [])], (name, body))
        if choice is None:
            continue
        changed[name] = [choice["id"]] if isinstance(value, list) else choice["id"]
    return changed


def _rated(body: dict[str, Any], rater: Rater) -> dict[str, Any]:
    """3 in 4 ratings name one of the rater's own visits or demands (and only that one)."""
    subjects = [{"visit_id": v, "demand_id": None} for v in rater.visits]
    subjects += [{"visit_id": None, "demand_id": d} for d in rater.demands]
    chosen = _pick(subjects, body)
    return body if chosen is None else {**body, **chosen}


def _configure(zone: Zone, seed: int = SEED) -> schemathesis.BaseSchema:
    config = SchemathesisConfig.from_dict(
        {
            "base-url": zone.url,
            "headers": {"Authorization": f"Bearer {zone.token}"},
            "seed": seed,
            # One worker and no example database (a local .hypothesis would replay past failures
            # that CI's fresh clone has not seen): the cases meet the zone in one order, so runs
            # here and in CI are alike (not identical: the ids the server returns are random,
            # and Schemathesis reuses them).
            "workers": 1,
            "generation": {"mode": "all", "max-examples": 10, "database": "none"},
            "phases": {"stateful": {"max-steps": 6}},
            "checks": {name: {"enabled": False} for name in EXCLUDED_CHECKS},
            "suppress-health-check": ["all"],
            "operations": [
                # Only an enterprise rates (its own visits and demands).
                *(
                    [
                        {
                            "include-operation-id": "createSatisfactionRating",
                            "headers": {"Authorization": f"Bearer {zone.rater.token}"},
                        }
                    ]
                    if zone.rater
                    else []
                ),
                # DELETE on these is documented as a soft delete (deactivate a user, archive an
                # enterprise): the record stays readable by id, for the audit trail and so it
                # can be brought back, so "still available after DELETE" is the contract here.
                *(
                    {"include-operation-id": read, "checks": {"use_after_free": {"enabled": False}}}
                    for read in SOFT_DELETED_READS
                ),
            ],
        }
    )
    schema = schemathesis.openapi.from_path(
        str(PROJECT_ROOT / "openapi" / "openapi.json"), config=config
    )
    real_login = {"username": "manager@demo.example.com", "password": DEMO_PASSWORD}

    def _file_part_only(failure: Failure, case: Case[Any]) -> bool:
        """A form whose "violation" is in its file: serialised, a file part is bytes whatever
        was generated for it, so the request sent is a valid upload (an import takes any
        non-blank file and its job reports the rows; tests/imports prove that). Beside it, a
        header case can only add an unknown header, which HTTP lets any server ignore."""
        meta = case.meta
        if not isinstance(failure, AcceptedNegativeData) or meta is None:
            return False
        mutated = {
            location
            for location, info in meta.components.items()
            if info.mode == GenerationMode.NEGATIVE
        }
        return (
            case.media_type == "multipart/form-data"
            and ParameterLocation.BODY in mutated
            and ParameterLocation.QUERY not in mutated
        )

    @schema.hook
    def filter_failure(
        context: HookContext, failure: Failure, case: Case[Any], response: Response
    ) -> bool:
        return not (
            (
                isinstance(failure, RejectedPositiveData)
                and response.status_code == 422
                and _answer(response).removeprefix("422 ") in RULES_BEYOND_THE_SCHEMA
            )
            or _file_part_only(failure, case)
        )

    @schema.hook
    def map_case(context: HookContext, case: Case[Any]) -> Case[Any]:
        meta = case.meta
        if meta is not None:
            # Cursors and ETags are opaque tokens, valid only when the service issued them (a
            # made-up one is rightly 422 `invalid_cursor` / 412 `stale_etag`, whatever else the
            # case is about): sent only by a negative case that is about them.
            mutated = {
                location
                for location, info in meta.components.items()
                if info.mode == GenerationMode.NEGATIVE
            }
            if case.query and ParameterLocation.QUERY not in mutated:
                case.query.pop("cursor", None)
            if case.headers and ParameterLocation.HEADER not in mutated:
                case.headers.pop("If-Match", None)
                # A key names one request: a repeat of a generated key with another body is
                # rightly 422 `idempotency_key_reused`, so each positive case has its own.
                if "Idempotency-Key" in case.headers:
                    case.headers["Idempotency-Key"] = uuid.uuid4().hex
        if meta is None or meta.phase.name == TestPhase.STATEFUL:
            return case  # links already carry the ids the previous step created
        components = meta.components
        path = components.get(ParameterLocation.PATH)
        if path is not None and path.mode == GenerationMode.NEGATIVE:
            return case  # a deliberately malformed id stays malformed
        template = _template_for(case.operation.path, zone)
        if template is not None and case.path_parameters:
            chosen = _pick(zone.path_parameters[template], case.path_parameters)
            if chosen is not None:
                case.path_parameters = {**case.path_parameters, **chosen}
        body = components.get(ParameterLocation.BODY)
        if (
            body is not None
            and body.mode == GenerationMode.POSITIVE
            and isinstance(case.body, dict)
        ):
            case.body = _with_real_ids(case.body, zone)
            for name, past in PAST.items():
                value = case.body.get(name)
                if isinstance(value, str) and value > past and _pick([{}], value) is not None:
                    case.body = {**case.body, name: past}
            if "responded_demand_ids" in case.body and _pick([{}], case.body) is not None:
                # An answered demand must be an open one of the visited enterprise: none here.
                case.body = {**case.body, "responded_demand_ids": []}
            if case.operation.path == RATINGS and zone.rater is not None:
                case.body = _rated(case.body, zone.rater)
            if "attended_enterprise_ids" in case.body:
                # Attendance is recorded for invited enterprises only.
                invited = _pick(zone.path_parameters[INVITATIONS], case.body)
                if invited is not None:
                    case.path_parameters = {"activity_id": invited["activity_id"]}
                    case.body = {**case.body, "attended_enterprise_ids": [invited["enterprise_id"]]}
        if (
            case.operation.path == "/api/v1/auth/token"
            and body is not None
            and body.mode == GenerationMode.POSITIVE
            and isinstance(case.body, dict)
            and _pick([real_login], case.body) is not None
        ):
            case.body = {**case.body, **real_login}
        return case

    return schema


def _answer(response: Response | None) -> str:
    """`422 unknown_enterprise`: the status and the problem's code, to tell findings apart."""
    if response is None:
        return "no response"
    try:
        body = response.json()
    except ValueError:
        body = None
    code = body.get("code") if isinstance(body, dict) else None
    return f"{response.status_code} {code}" if code else str(response.status_code)


@dataclass
class Tally:
    """Responses per operation by status class, and every check failure or error."""

    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    # (operation, check, title) -> one way to reproduce it
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def record(self, recorder: Any) -> None:
        for case_id, interaction in recorder.interactions.items():
            response: Response | None = interaction.response
            node = recorder.cases.get(case_id)
            if response is None or node is None:
                continue
            self.statuses[node.value.operation.label][f"{response.status_code // 100}xx"] += 1
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.failure_info is None:
                    continue
                case = recorder.cases[case_id].value
                failure = check.failure_info.failure
                interaction = recorder.interactions.get(case_id)
                answer = _answer(interaction.response if interaction else None)
                key = (case.operation.label, check.name, f"{failure.title} ({answer})")
                self.failures.setdefault(key, check.failure_info.code_sample)

    def failure_report(self) -> str:
        return "\n".join(
            f"{label}: {check}: {title}\n    {sample}"
            for (label, check, title), sample in sorted(self.failures.items())
        )

    def never_2xx(self, labels: list[str]) -> list[str]:
        return [label for label in labels if not self.statuses[label]["2xx"]]

    def table(self, labels: list[str]) -> str:
        classes = ["2xx", "3xx", "4xx", "5xx"]
        rows = [f"{'operation':70} " + " ".join(f"{c:>6}" for c in classes)]
        rows += [
            f"{label:70} " + " ".join(f"{self.statuses[label][c]:>6}" for c in classes)
            for label in labels
        ]
        return "\n".join(rows)


@pytest.fixture
def spare_the_fuzzer(zone: Zone) -> Iterator[None]:
    """The fuzzing administrator and the rater must outlive the fuzz: a write aimed at their own
    accounts (learnt from `/me` or a list) goes to the stand-in administrator instead, or their
    tokens would stop working and every later case would measure only 401s. The last thing
    before a request is sent, so no phase or id source can slip past it (`before_call` is only
    dispatched from the global registry: registered for this test alone)."""

    def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
        params = case.path_parameters or {}
        spared = [zone.admin_id] + ([zone.rater.id] if zone.rater else [])
        target = params.get("user_id")
        if case.method.upper() != "GET" and any(_names(target, user) for user in spared):
            case.path_parameters = {**params, "user_id": zone.stand_in_id}

    schemathesis.hook(before_call)
    yield
    GLOBAL_HOOK_DISPATCHER.unregister(before_call)


def _run(schema: schemathesis.BaseSchema, tally: Tally) -> None:
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            tally.record(event.recorder)
        elif isinstance(event, events.NonFatalError):
            tally.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            raise event.exception


@pytest.mark.usefixtures("spare_the_fuzzer")
def test_every_operation_conforms_and_succeeds(zone: Zone) -> None:
    schema = _configure(zone)
    labels = sorted(
        result.ok().label for result in schema.get_all_operations() if isinstance(result, Ok)
    )
    tally = Tally()
    _run(schema, tally)
    for extra in range(1, TOP_UP_RUNS + 1):
        missing = tally.never_2xx(labels)
        if not missing:
            break
        logging.getLogger(__name__).info("top-up run %d for %s", extra, missing)
        _run(_configure(zone, SEED + extra).include(name=missing), tally)

    # The fuzzing administrator kept its rights throughout (nothing measured only refusals).
    me = httpx.get(f"{zone.url}/api/v1/me", headers={"Authorization": f"Bearer {zone.token}"})
    assert me.status_code == 200, me.text
    # The coverage, in a failing run's output or with `--log-cli-level=INFO`.
    logging.getLogger(__name__).info("responses per operation:\n%s", tally.table(labels))
    problems = [f"engine error: {error}" for error in tally.errors]
    if tally.failures:
        problems.append(f"{len(tally.failures)} findings:\n{tally.failure_report()}")
    missing = tally.never_2xx(labels)
    if missing:
        problems.append(
            f"{len(missing)} of {len(labels)} operations never answered 2xx:\n"
            + tally.table(missing)
        )
    assert not problems, "\n\n".join(problems)
