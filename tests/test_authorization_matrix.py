"""The authorisation matrix (issue 9, OWASP ASVS 4.0.3 V4.1/V4.2): every URL rule × method × principal.

MATRIX is the specification, one line per endpoint: for each HTTP method, who may use it. The principals are
the anonymous visitor, a logged-in browser session of each role (crm/auth/models.py Role) and, for the JSON
API under /api/v1, a read-only and a read-write API token of each role. Named sets keep the lines short; they
carry the names of crm/security.py (a test checks that the two agree).

Each (rule, method, principal) is one test. The expected outcome follows from the table:

- allowed: the request got through the login and role checks. Not 401 or 403, no redirect to the login page,
  no server error, and neither 404 nor 400: the URLs name real seeded records and every form POST carries the
  session's valid CSRF token, so such an answer would hide the role check instead of passing it. A POST
  carries nothing but the token (API writes an empty JSON object), so most forms answer 422 with their field
  messages, which counts as allowed: the view was reached. Requests that would change the shared records
  (archive, restore, complete, merge, commit an import …) get a record of their own.
- forbidden: 403 (the API answers application/problem+json).
- login: an anonymous browser is redirected to /login (302; a GET keeps its address in `next`). /api/v1
  answers 401 problem+json to everyone without a token, browser sessions included.

The table is checked against `app.url_map` at run time: a route missing from the table (or a method of it),
or a line for a route that no longer exists, fails `test_the_table_lists_every_rule_and_method`.

Further tests: htmx requests get 401 instead of the redirect, an API token opens no page, and forged form
fields (role, ids of other users, created_by, site) are ignored.
"""

import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from crm import create_app
from crm.activities.models import Activity, ActivityKind
from crm.activities.services import archive_activity, log_activity
from crm.api.models import ApiToken, TokenScope
from crm.api.tokens import create_token
from crm.auth.models import Role, User
from crm.auth.services import create_user, make_reset_token, set_user_active
from crm.auth.two_factor import begin_enrolment, confirm_enrolment
from crm.benefits.models import LegalFact
from crm.contacts.models import Contact
from crm.contacts.services import archive_contact, create_contact
from crm.db import utcnow
from crm.duoday.models import DuoDayEvent
from crm.duoday.services import archive_participation
from crm.employers.models import Employer, Industry, Stage
from crm.extensions import db
from crm.followups.ical import regenerate_calendar_key, token_for
from crm.followups.models import FollowUp
from crm.followups.services import schedule_followup
from crm.followups.workdays import local_today
from crm.imports.commit import commit_import
from crm.imports.models import ImportRun
from crm.imports.services import preview_import, store_upload
from crm.objections.models import Argument, Objection, Outcome
from crm.objections.services import record_argument, record_objection
from crm.placements.services import archive_placement
from crm.postings.services import archive_posting
from crm.referrals.models import Partner, PartnerKind
from crm.referrals.services import add_provider, record_referral, save_partner
from tests.helpers import TEST_PASSWORD, csrf_token_from, empty_database, login
from tests.placements.factories import make_event, make_participation, make_placement, make_posting

# --- principals and the named sets of the table ---------------------------------------------------------

ANONYMOUS = "anonymous"
ADMIN, ACQUISITION, COACH, VIEWER = "admin", "acquisition", "coach", "viewer"
ROLES = (ADMIN, ACQUISITION, COACH, VIEWER)
BROWSER_PRINCIPALS = (ANONYMOUS, *ROLES)
READ_TOKENS = tuple(f"read-token:{role}" for role in ROLES)
WRITE_TOKENS = tuple(f"write-token:{role}" for role in ROLES)
API_PRINCIPALS = (*BROWSER_PRINCIPALS, *READ_TOKENS, *WRITE_TOKENS)

PUBLIC = frozenset(BROWSER_PRINCIPALS)  # no login needed
ANY_USER = frozenset(ROLES)  # every logged-in user
LOGGERS = frozenset({ADMIN, ACQUISITION, COACH})  # log activities, contacts, follow-ups, objections
EDITORS = frozenset({ADMIN, ACQUISITION})  # employer work: create, edit, stages, postings, imports, referrals
PLACEMENT_MANAGERS = frozenset({ADMIN, COACH})  # crm/placements/views.py MANAGERS
ADMINS = frozenset({ADMIN})
ANY_TOKEN = frozenset(READ_TOKENS + WRITE_TOKENS)  # every valid API token, whatever its scope and role


def write_tokens(roles: frozenset[str]) -> frozenset[str]:
    """Read-write tokens of users in `roles` (a read-only token never writes)."""
    return frozenset(f"write-token:{role}" for role in roles)


API_EDITORS = write_tokens(EDITORS)
API_LOGGERS = write_tokens(LOGGERS)

# fmt: off
MATRIX: dict[str, dict[str, frozenset[str]]] = {
    # main, login, profile
    "main.dashboard":                      {"GET": ANY_USER},
    "main.healthz":                        {"GET": PUBLIC},
    "main.set_language":                   {"POST": PUBLIC},  # the login page has the switch too
    "static":                              {"GET": PUBLIC},
    "auth.login":                          {"GET": PUBLIC, "POST": PUBLIC},
    "auth.login_two_factor":               {"GET": PUBLIC, "POST": PUBLIC},
    "auth.forgot_password":                {"GET": PUBLIC, "POST": PUBLIC},
    "auth.reset_password":                 {"GET": PUBLIC, "POST": PUBLIC},
    "auth.logout":                         {"POST": ANY_USER},
    "auth.profile":                        {"GET": ANY_USER, "POST": ANY_USER},
    "auth.change_password_view":           {"POST": ANY_USER},
    "auth.two_factor":                     {"GET": ANY_USER},
    "auth.two_factor_setup":               {"GET": ANY_USER, "POST": ANY_USER},
    "auth.two_factor_disable":             {"POST": ANY_USER},
    "auth.two_factor_recovery_codes":      {"POST": ANY_USER},
    # administration
    "admin.users":                         {"GET": ADMINS},
    "admin.create_user_view":              {"GET": ADMINS, "POST": ADMINS},
    "admin.edit_user":                     {"GET": ADMINS, "POST": ADMINS},
    "admin.deactivate_user":               {"POST": ADMINS},
    "admin.reactivate_user":               {"POST": ADMINS},
    "admin.reset_two_factor":              {"POST": ADMINS},
    "audit.index":                         {"GET": ADMINS},
    "security_events.index":               {"GET": ADMINS},
    # employers and their catalogues
    "employers.index":                     {"GET": ANY_USER},
    "employers.export_csv":                {"GET": ANY_USER},
    "employers.export_xlsx":               {"GET": ANY_USER},
    "employers.pipeline":                  {"GET": ANY_USER},
    "employers.detail":                    {"GET": ANY_USER},
    "employers.print_view":                {"GET": ANY_USER},
    "employers.new":                       {"GET": EDITORS, "POST": EDITORS},
    "employers.edit":                      {"GET": EDITORS, "POST": EDITORS},
    "employers.change_stage":              {"GET": EDITORS, "POST": EDITORS},
    "employers.archive":                   {"POST": EDITORS},
    "employers.restore":                   {"POST": ADMINS},
    "employers.stages":                    {"GET": ADMINS},
    "employers.new_stage":                 {"GET": ADMINS, "POST": ADMINS},
    "employers.edit_stage":                {"GET": ADMINS, "POST": ADMINS},
    "employers.industries":                {"GET": ADMINS, "POST": ADMINS},
    "employers.edit_industry":             {"GET": ADMINS, "POST": ADMINS},
    # contacts and activities
    "contacts.new":                        {"GET": LOGGERS, "POST": LOGGERS},
    "contacts.edit":                       {"GET": LOGGERS, "POST": LOGGERS},
    "contacts.archive":                    {"POST": LOGGERS},
    "contacts.restore":                    {"POST": ADMINS},
    "contacts.make_primary":               {"POST": LOGGERS},
    "contacts.vcard":                      {"GET": ANY_USER},
    "activities.new":                      {"GET": LOGGERS, "POST": LOGGERS},
    "activities.edit":                     {"GET": LOGGERS, "POST": LOGGERS},
    "activities.archive":                  {"POST": LOGGERS},
    "activities.restore":                  {"POST": ADMINS},
    "activities.timeline":                 {"GET": ANY_USER},
    # follow-ups
    "followups.index":                     {"GET": ANY_USER},
    "followups.export":                    {"GET": ANY_USER},
    "followups.panel":                     {"GET": ANY_USER},
    "followups.create":                    {"GET": LOGGERS, "POST": LOGGERS},
    "followups.edit":                      {"GET": LOGGERS, "POST": LOGGERS},
    "followups.complete":                  {"POST": LOGGERS},
    "followups.snooze":                    {"POST": LOGGERS},
    "followups.cancel":                    {"GET": LOGGERS, "POST": LOGGERS},
    "followups.bulk":                      {"GET": EDITORS, "POST": EDITORS},
    "followups.reassign":                  {"GET": ADMINS, "POST": ADMINS},
    "followups.save_settings":             {"POST": ANY_USER},
    "followups.regenerate_calendar":       {"POST": ANY_USER},
    "followups.revoke_calendar":           {"POST": ANY_USER},
    "followups.calendar_feed":             {"GET": PUBLIC},  # the secret token in the URL is the key
    # objections, referrals, benefits
    "objections.catalogue":                {"GET": ADMINS},
    "objections.catalogue_entry":          {"GET": ADMINS, "POST": ADMINS},
    "objections.arguments":                {"GET": ANY_USER},
    "objections.new":                      {"GET": LOGGERS, "POST": LOGGERS},
    "objections.add_argument":             {"GET": LOGGERS, "POST": LOGGERS},
    "objections.set_outcome":              {"POST": LOGGERS},
    "objections.archive_record":           {"POST": EDITORS},
    "objections.decline":                  {"GET": EDITORS, "POST": EDITORS},
    "objections.approach":                 {"GET": EDITORS, "POST": EDITORS},
    "objections.insights":                 {"GET": ANY_USER},
    "objections.insight_records":          {"GET": ANY_USER},
    "referrals.new":                       {"GET": EDITORS, "POST": EDITORS},
    "referrals.recommended_by":            {"GET": EDITORS, "POST": EDITORS},
    "referrals.archive":                   {"POST": EDITORS},
    "referrals.thanks":                    {"POST": LOGGERS},
    "referrals.dismiss":                   {"POST": LOGGERS},
    "referrals.providers":                 {"GET": EDITORS, "POST": EDITORS},
    "referrals.remove_provider_view":      {"POST": EDITORS},
    "referrals.partners":                  {"GET": ADMINS},
    "referrals.partner_form":              {"GET": ADMINS, "POST": ADMINS},
    "referrals.insights":                  {"GET": ANY_USER},
    "referrals.referrer_detail":           {"GET": ANY_USER},
    "benefits.calculator":                 {"GET": ANY_USER},
    "benefits.sheet":                      {"GET": ANY_USER},
    "benefits.facts":                      {"GET": ADMINS},
    "benefits.fact_form":                  {"GET": ADMINS, "POST": ADMINS},
    # DuoDay, job postings, placements
    "duoday.index":                        {"GET": ANY_USER},
    "duoday.event":                        {"GET": ANY_USER},
    "duoday.invite":                       {"POST": EDITORS},
    "duoday.new_event":                    {"GET": EDITORS, "POST": EDITORS},
    "duoday.edit_event":                   {"GET": EDITORS, "POST": EDITORS},
    "duoday.new_participation":            {"GET": LOGGERS, "POST": LOGGERS},
    "duoday.edit_participation":           {"GET": LOGGERS, "POST": LOGGERS},
    "duoday.archive_participation_view":   {"POST": LOGGERS},
    "duoday.restore_participation_view":   {"POST": ADMINS},
    "postings.index":                      {"GET": ANY_USER},
    "postings.export":                     {"GET": ANY_USER},
    "postings.detail":                     {"GET": ANY_USER},
    "postings.poster":                     {"GET": ANY_USER},
    "postings.new":                        {"GET": EDITORS, "POST": EDITORS},
    "postings.edit":                       {"GET": EDITORS, "POST": EDITORS},
    "postings.fill":                       {"GET": EDITORS, "POST": EDITORS},
    "postings.close":                      {"POST": EDITORS},
    "postings.take_down":                  {"POST": EDITORS},
    "postings.archive":                    {"POST": EDITORS},
    "postings.restore":                    {"POST": ADMINS},
    "placements.index":                    {"GET": ANY_USER},
    "placements.export":                   {"GET": ANY_USER},
    "placements.detail":                   {"GET": ANY_USER},
    "placements.new":                      {"GET": PLACEMENT_MANAGERS, "POST": PLACEMENT_MANAGERS},
    "placements.edit":                     {"GET": PLACEMENT_MANAGERS, "POST": PLACEMENT_MANAGERS},
    "placements.phase":                    {"GET": PLACEMENT_MANAGERS, "POST": PLACEMENT_MANAGERS},
    "placements.end":                      {"GET": PLACEMENT_MANAGERS, "POST": PLACEMENT_MANAGERS},
    "placements.archive":                  {"POST": PLACEMENT_MANAGERS},
    "placements.restore":                  {"POST": ADMINS},
    "placements.accept_cooperation":       {"POST": EDITORS},
    # import, merge, data protection, reports
    "imports.index":                       {"GET": EDITORS, "POST": EDITORS},
    "imports.mapping":                     {"GET": EDITORS, "POST": EDITORS},
    "imports.preview":                     {"GET": EDITORS},
    "imports.commit":                      {"POST": EDITORS},
    "imports.result":                      {"GET": EDITORS},
    "imports.discard":                     {"POST": EDITORS},
    "imports.undo":                        {"POST": ADMINS},
    "imports.export_contacts":             {"GET": EDITORS},
    "merge.index":                         {"GET": ADMINS},
    "merge.compare":                       {"GET": ADMINS, "POST": ADMINS},
    "gdpr.review":                         {"GET": ADMINS},
    "gdpr.contact":                        {"GET": ADMINS},
    "gdpr.report":                         {"GET": ADMINS},
    "gdpr.export_json":                    {"GET": ADMINS},
    "gdpr.erase":                          {"POST": ADMINS},
    "reports.index":                       {"GET": ANY_USER},
    "reports.report":                      {"GET": ANY_USER},
    "reports.export":                      {"GET": ANY_USER},
    "reports.quota_settings_edit":         {"GET": ADMINS, "POST": ADMINS},
    # personal API tokens (a browser page, CSRF-protected)
    "api.tokens":                          {"GET": ANY_USER, "POST": ANY_USER},
    "api.revoke":                          {"POST": ANY_USER},  # one's own tokens only (others: 404)
    # the JSON API: token only; reading needs any token, writing a read-write token and the role
    "api.list_employers":                  {"GET": ANY_TOKEN},
    "api.get_employer":                    {"GET": ANY_TOKEN},
    "api.create_employer_view":            {"POST": API_EDITORS},
    "api.update_employer_view":            {"PATCH": API_EDITORS},
    "api.list_contacts":                   {"GET": ANY_TOKEN},
    "api.get_contact":                     {"GET": ANY_TOKEN},
    "api.create_contact_view":             {"POST": API_LOGGERS},
    "api.update_contact_view":             {"PATCH": API_LOGGERS},
    "api.list_activities":                 {"GET": ANY_TOKEN},
    "api.get_activity":                    {"GET": ANY_TOKEN},
    "api.create_activity_view":            {"POST": API_LOGGERS},
    "api.update_activity_view":            {"PATCH": API_LOGGERS},
    "api.list_followups":                  {"GET": ANY_TOKEN},
    "api.get_followups":                   {"GET": ANY_TOKEN},
    "api.create_followup_view":            {"POST": API_LOGGERS},
    "api.update_followup_view":            {"PATCH": API_LOGGERS},
    "api.list_postings":                   {"GET": ANY_TOKEN},
    "api.get_postings":                    {"GET": ANY_TOKEN},
    "api.create_posting_view":             {"POST": API_EDITORS},
    "api.update_posting_view":             {"PATCH": API_EDITORS},
}
# fmt: on

ALLOWED, FORBIDDEN, LOGIN, UNAUTHENTICATED = "allowed", "forbidden", "login redirect", "401 problem"
API_PREFIX = "/api/v1/"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def is_api(rule: str) -> bool:
    return rule.startswith(API_PREFIX)


def expected_outcome(endpoint: str, rule: str, method: str, principal: str) -> str:
    if principal in MATRIX[endpoint][method]:
        return ALLOWED
    if is_api(rule):
        return FORBIDDEN if principal in ANY_TOKEN else UNAUTHENTICATED
    return LOGIN if principal == ANONYMOUS else FORBIDDEN


# --- the rules, read from a throwaway app at collection time (the session's app needs its fixture) --------


def _routes() -> list[tuple[str, str, str]]:
    """(endpoint, rule, method) for every rule and method of the application."""
    saved = os.environ.get("CRM_INSTANCE_PATH")
    with tempfile.TemporaryDirectory() as instance:
        os.environ["CRM_INSTANCE_PATH"] = instance
        try:
            application = create_app("testing", {"DATABASE_URL": "sqlite://"})
        finally:
            if saved is None:
                os.environ.pop("CRM_INSTANCE_PATH", None)
            else:
                os.environ["CRM_INSTANCE_PATH"] = saved
    return url_map_routes(application)


def url_map_routes(application: Flask) -> list[tuple[str, str, str]]:
    return sorted(
        (rule.endpoint, rule.rule, method)
        for rule in application.url_map.iter_rules()
        for method in rule.methods - IGNORED_METHODS
    )


ROUTES = _routes()
RULES_PER_ENDPOINT = Counter(endpoint for endpoint, _rule in {(e, r) for e, r, _m in ROUTES})


def _case_id(endpoint: str, rule: str, method: str, principal: str) -> str:
    where = f"{endpoint}[{rule}]" if RULES_PER_ENDPOINT[endpoint] > 1 else endpoint
    return f"{where}:{method}:{principal}"


CASES = [
    pytest.param(endpoint, rule, method, principal, id=_case_id(endpoint, rule, method, principal))
    for endpoint, rule, method in ROUTES
    for principal in (API_PRINCIPALS if is_api(rule) else BROWSER_PRINCIPALS)
]


# --- one seeded world for the whole module ----------------------------------------------------------------


@dataclass
class World:
    """The seeded records (by URL argument name), the logged-in clients and the API tokens."""

    app: Flask
    user_ids: dict[str, int] = field(default_factory=dict)  # role -> the principal's user id
    clients: dict[str, FlaskClient] = field(default_factory=dict)  # anonymous and each role
    csrf: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)  # "read-token:coach" -> bearer secret
    ids: dict[str, Any] = field(default_factory=dict)  # URL argument -> value
    extra: dict[str, Any] = field(default_factory=dict)  # values named per endpoint
    two_factor_email: str = ""
    counter: int = 0

    def next_number(self) -> int:
        self.counter += 1
        return self.counter

    def user(self, role: str) -> User:
        return db.session.get(User, self.user_ids[role])


CSV_UPLOAD = b"Firma;Ort\nMatrix Import GmbH;Hamburg\n"


def _employer(name: str, *, owner: User | None = None, stage_key: str = "lead") -> Employer:
    stage = db.session.scalar(select(Stage).where(Stage.key == stage_key))
    employer = Employer(name=name, normalized_name=name.casefold(), stage=stage, owner=owner)
    db.session.add(employer)
    db.session.flush()
    return employer


def _user(role: str, label: str) -> User:
    return create_user(
        email=f"{label}@matrix.example.org", name=f"Matrix {label.title()}", role=Role(role), password=TEST_PASSWORD
    )


def _import_run(world: World, state: str) -> ImportRun:
    """An import run in `state`: uploaded, previewed or committed."""
    actor = world.user(ACQUISITION)
    run = store_upload(filename=f"liste-{world.next_number()}.csv", data=CSV_UPLOAD, actor=actor)
    if state in ("previewed", "committed"):
        preview_import(run=run, mapping={"name": 0, "city": 1})
    if state == "committed":
        commit_import(run=run, decisions={}, actor=actor)
    db.session.flush()
    return run


def _seed(world: World) -> None:
    for role in ROLES:
        world.user_ids[role] = _user(role, role).id
    other = _user(ACQUISITION, "colleague")  # owns the shared records; the admin pages' target user
    two_factor = _user(COACH, "two-factor")
    totp = pyotp.TOTP(begin_enrolment(user=two_factor))
    confirm_enrolment(user=two_factor, code=totp.now())
    world.two_factor_email = two_factor.email
    feed_user = _user(VIEWER, "feed")
    feed = regenerate_calendar_key(user=feed_user)

    employer = _employer("Matrix Bäckerei", owner=other, stage_key="talks")
    referrer = _employer("Matrix Hotel", owner=other)
    contact = create_contact(employer=employer, last_name="Schulz", first_name="Eva", phone="040 123")
    activity = log_activity(employer=employer, kind=ActivityKind.CALL, user=other, subject="Erstes Gespräch")
    followup = schedule_followup(
        employer=employer,
        title="Zurückrufen",
        due_date=local_today() + timedelta(days=3),
        created_by=other,
        assigned_to=other,
    )
    db.session.commit()
    event = make_event()
    participation = make_participation(employer, event, actor=other)
    posting = make_posting(employer, actor=other)
    placement = make_placement(employer, actor=other)
    record = record_objection(employer=employer, objection=_first(Objection), actor=other)
    use = record_argument(record=record, argument=_first(Argument), outcome=Outcome.OPEN, actor=other)
    referral = record_referral(referred=employer, referrer_employer=referrer, referred_on=local_today(), actor=other)
    partner = save_partner(
        partner=None, name="Matrix Agentur", kind=PartnerKind.EMPLOYMENT_AGENCY, note=None, active=True
    )
    involvement = add_provider(employer=employer, partner=partner, note=None, actor=other)
    uploaded = _import_run(world, "uploaded")
    previewed = _import_run(world, "previewed")
    other_token, _secret = create_token(user=other, name="Fremd", scope=TokenScope.WRITE)
    for role in ROLES:
        for scope in TokenScope:
            _token, secret = create_token(user=world.user(role), name=f"Matrix {scope}", scope=scope)
            world.secrets[f"{'write' if scope == TokenScope.WRITE else 'read'}-token:{role}"] = secret
    db.session.commit()

    world.ids.update(
        employer_id=employer.id,
        contact_id=contact.id,
        activity_id=activity.id,
        followup_id=followup.id,
        event_id=event.id,
        participation_id=participation.id,
        posting_id=posting.id,
        placement_id=placement.id,
        record_id=record.id,
        use_id=use.id,
        referral_id=referral.id,
        partner_id=partner.id,
        involvement_id=involvement.id,
        import_id=uploaded.id,
        user_id=other.id,
        token_id=other_token.id,
        fact_id=_first(LegalFact).id,
        industry_id=_first(Industry).id,
        stage_id=_first(Stage).id,
        kind="objections",
        entry_id=_first(Objection).id,
        key="sources",
        table="by_source",
        fmt="csv",
        a=employer.id,
        b=referrer.id,
        filename="css/app.css",
    )
    world.extra.update(
        referrer_id=referrer.id,
        previewed_import_id=previewed.id,
        feed_user_id=feed_user.id,
        reset_token=make_reset_token(feed_user),
        feed_token=token_for(feed.calendar_key),
    )


def _first(model: Any) -> Any:
    return db.session.scalars(select(model).order_by(model.id)).first()


def _login_client(app: Flask, email: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    response = login(client, email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client, csrf_token_from(client.get("/profile").get_data(as_text=True))


@pytest.fixture(autouse=True)
def clean_database(app: Flask):
    """Replaces conftest's per-test truncation: this module seeds once (`world`) and empties at its end."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture(scope="module")
def world(app: Flask):
    with app.app_context():
        seeded = World(app=app)
        try:
            _seed(seeded)
            for role in ROLES:
                seeded.clients[role], seeded.csrf[role] = _login_client(app, f"{role}@matrix.example.org")
            anonymous = app.test_client()
            seeded.clients[ANONYMOUS] = anonymous
            seeded.csrf[ANONYMOUS] = csrf_token_from(anonymous.get("/login").get_data(as_text=True))
            seeded.clients["token"] = app.test_client()  # never logs in: API tokens only
            yield seeded
        finally:
            empty_database()


# --- records of their own for requests that change what they name ------------------------------------------


def _fresh_employer(world: World, principal: str, *, archived: bool = False) -> int:
    employer = _employer(f"Matrix Firma {world.next_number()}")
    if archived:
        employer.archived_at = employer.created_at
    db.session.commit()
    return employer.id


def _fresh_contact(world: World, principal: str, *, archived: bool = False) -> int:
    contact = create_contact(
        employer=db.session.get(Employer, world.ids["employer_id"]), last_name=f"Person {world.next_number()}"
    )
    if archived:
        archive_contact(contact=contact)
    db.session.commit()
    return contact.id


def _fresh_activity(world: World, principal: str, *, archived: bool = False) -> int:
    activity = log_activity(
        employer=db.session.get(Employer, world.ids["employer_id"]),
        kind=ActivityKind.NOTE,
        user=None,
        subject=f"Notiz {world.next_number()}",
    )
    if archived:
        archive_activity(activity=activity)
    db.session.commit()
    return activity.id


def _fresh_followup(world: World, principal: str) -> int:
    followup = schedule_followup(
        employer=db.session.get(Employer, world.ids["employer_id"]),
        title=f"Aufgabe {world.next_number()}",
        due_date=local_today() + timedelta(days=5),
        created_by=world.user(ADMIN),
    )
    db.session.commit()
    return followup.id


def _fresh_participation(world: World, principal: str, *, archived: bool = False) -> int:
    participation = make_participation(
        _employer_obj(world),
        db.session.get(DuoDayEvent, world.ids["event_id"]),
        participant_ref=f"MX-{world.next_number()}",
    )
    if archived:
        archive_participation(participation=participation, actor=None)
        db.session.commit()
    return participation.id


def _fresh_posting(world: World, principal: str, *, archived: bool = False) -> int:
    posting = make_posting(_employer_obj(world), title=f"Stelle {world.next_number()}")
    if archived:
        archive_posting(posting=posting, actor=None)
        db.session.commit()
    return posting.id


def _fresh_placement(world: World, principal: str, *, archived: bool = False) -> int:
    placement = make_placement(_employer_obj(world), participant_ref=f"MX-{world.next_number()}")
    if archived:
        archive_placement(placement=placement, actor=None)
        db.session.commit()
    return placement.id


def _fresh_record(world: World, principal: str) -> int:
    record = record_objection(employer=_employer_obj(world), objection=_first(Objection), actor=None)
    db.session.commit()
    return record.id


def _fresh_referral(world: World, principal: str) -> int:
    referral = record_referral(
        referred=db.session.get(Employer, _fresh_employer(world, principal)),
        referrer_employer=_employer_obj(world),
        referred_on=local_today(),
        actor=None,
    )
    db.session.commit()
    return referral.id


def _fresh_involvement(world: World, principal: str) -> int:
    involvement = add_provider(
        employer=db.session.get(Employer, _fresh_employer(world, principal)),
        partner=db.session.get(Partner, world.ids["partner_id"]),
        note=None,
        actor=None,
    )
    db.session.commit()
    return involvement.id


def _fresh_user(world: World, principal: str, *, active: bool = True) -> int:
    user = _user(VIEWER, f"target-{world.next_number()}")
    if not active:
        set_user_active(user=user, active=False)
    db.session.commit()
    return user.id


def _own_token(world: World, principal: str) -> int:
    token, _secret = create_token(
        user=world.user(principal), name=f"Wegwerf {world.next_number()}", scope=TokenScope.READ
    )
    db.session.commit()
    return token.id


def _fresh_import(state: str) -> Callable[[World, str], int]:
    def factory(world: World, principal: str) -> int:
        run = _import_run(world, state)
        db.session.commit()
        return run.id

    return factory


def _employer_obj(world: World) -> Employer:
    return db.session.get(Employer, world.ids["employer_id"])


def archived(factory: Callable[..., int]) -> Callable[[World, str], int]:
    return lambda world, principal: factory(world, principal, archived=True)


# Endpoint -> URL argument -> factory: used when the request is expected through (and is not a GET), so that
# it changes a record of its own and the shared ones stay as they are for the other tests.
FRESH: dict[str, dict[str, Callable[[World, str], int]]] = {
    "activities.archive": {"activity_id": _fresh_activity},
    "activities.restore": {"activity_id": archived(_fresh_activity)},
    "admin.deactivate_user": {"user_id": _fresh_user},
    "admin.reactivate_user": {"user_id": lambda world, principal: _fresh_user(world, principal, active=False)},
    "api.revoke": {"token_id": _own_token},
    "contacts.archive": {"contact_id": _fresh_contact},
    "contacts.restore": {"contact_id": archived(_fresh_contact)},
    "duoday.archive_participation_view": {"participation_id": _fresh_participation},
    "duoday.restore_participation_view": {"participation_id": archived(_fresh_participation)},
    "employers.archive": {"employer_id": _fresh_employer},
    "employers.restore": {"employer_id": archived(_fresh_employer)},
    "followups.complete": {"followup_id": _fresh_followup},
    "followups.cancel": {"followup_id": _fresh_followup},
    "gdpr.erase": {"contact_id": _fresh_contact},
    "imports.mapping": {"import_id": _fresh_import("uploaded")},
    "imports.commit": {"import_id": _fresh_import("previewed")},
    "imports.discard": {"import_id": _fresh_import("uploaded")},
    "imports.undo": {"import_id": _fresh_import("committed")},
    "merge.compare": {"a": _fresh_employer, "b": _fresh_employer},
    "objections.archive_record": {"record_id": _fresh_record},
    "objections.decline": {"employer_id": _fresh_employer},
    "objections.approach": {"employer_id": _fresh_employer},
    "placements.accept_cooperation": {"placement_id": _fresh_placement},
    "placements.archive": {"placement_id": _fresh_placement},
    "placements.restore": {"placement_id": archived(_fresh_placement)},
    "postings.close": {"posting_id": _fresh_posting},
    "postings.take_down": {"posting_id": _fresh_posting},
    "postings.archive": {"posting_id": _fresh_posting},
    "postings.restore": {"posting_id": archived(_fresh_posting)},
    "referrals.archive": {"referral_id": _fresh_referral},
    "referrals.remove_provider_view": {"involvement_id": _fresh_involvement},
}

# Endpoint -> URL values other than the shared ones (the argument name alone does not say which record).
SPECIAL_VALUES: dict[str, Callable[[World], dict[str, Any]]] = {
    "auth.reset_password": lambda w: {"token": w.extra["reset_token"]},
    "followups.calendar_feed": lambda w: {"token": w.extra["feed_token"]},
    "api.get_followups": lambda w: {"item_id": w.ids["followup_id"]},
    "api.get_postings": lambda w: {"item_id": w.ids["posting_id"]},
    "imports.preview": lambda w: {"import_id": w.extra["previewed_import_id"]},
}

# Endpoint -> query string the page needs (which employer a new record belongs to, whose referrals).
QUERIES: dict[str, Callable[[World], str]] = {
    "duoday.new_participation": lambda w: f"employer_id={w.ids['employer_id']}",
    "followups.create": lambda w: f"employer_id={w.ids['employer_id']}",
    "placements.new": lambda w: f"employer_id={w.ids['employer_id']}",
    "postings.new": lambda w: f"employer_id={w.ids['employer_id']}",
    "referrals.referrer_detail": lambda w: f"employer={w.extra['referrer_id']}",
}

ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def build_url(world: World, endpoint: str, rule: str, method: str, outcome: str, principal: str) -> str:
    values = dict(world.ids)
    if endpoint in SPECIAL_VALUES:
        values.update(SPECIAL_VALUES[endpoint](world))
    if outcome == ALLOWED and method != "GET":
        for name, factory in FRESH.get(endpoint, {}).items():
            values[name] = factory(world, principal)
    path = ARGUMENT.sub(lambda match: str(values[match.group(1)]), rule)
    query = QUERIES[endpoint](world) if endpoint in QUERIES else ""
    return f"{path}?{query}" if query else path


# --- sending the request -------------------------------------------------------------------------------------


def _throwaway_session(world: World, principal: str) -> tuple[FlaskClient, str]:
    """Logging out ends every session of the user, so the logout test logs in a user of its own."""
    user = _user(principal, f"leaving-{world.next_number()}")
    db.session.commit()
    return _login_client(world.app, user.email)


def _pending_second_factor(world: World) -> tuple[FlaskClient, str]:
    """An anonymous browser that has passed the password step of a two-factor user."""
    client = world.app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": world.two_factor_email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert urlsplit(response.headers["Location"]).path == "/login/two-factor"
    # The password step starts a fresh session, with a CSRF token of its own.
    return client, csrf_token_from(client.get("/login/two-factor").get_data(as_text=True))


def send(world: World, endpoint: str, rule: str, method: str, principal: str, url: str):
    if principal in ANY_TOKEN:
        headers = {"Authorization": f"Bearer {world.secrets[principal]}"}
        return world.clients["token"].open(url, method=method, headers=headers, json={} if method != "GET" else None)
    client, token = world.clients[principal], world.csrf[principal]
    outcome = expected_outcome(endpoint, rule, method, principal)
    if endpoint == "auth.logout" and outcome == ALLOWED:
        client, token = _throwaway_session(world, principal)
    if endpoint == "auth.login_two_factor" and principal == ANONYMOUS:
        client, token = _pending_second_factor(world)
    if is_api(rule):
        return client.open(url, method=method, json={} if method != "GET" else None)
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": token})


def _describe(response) -> str:
    body = response.get_data()[:300].decode("utf-8", "replace")
    return f"{response.status_code} {response.headers.get('Location', '')} {body!r}"


def check(response, endpoint: str, rule: str, method: str, principal: str, outcome: str, url: str) -> None:
    status = response.status_code
    location = urlsplit(response.headers.get("Location", ""))
    seen = _describe(response)
    if outcome == ALLOWED:
        assert status not in (401, 403), f"{principal} was refused: {seen}"
        assert status < 500, f"server error: {seen}"
        assert status not in (400, 404), f"the request did not reach the view's logic: {seen}"
        if endpoint == "auth.logout":
            assert status == 302 and location.path == "/login", seen
        else:
            assert not (300 <= status < 400 and location.path == "/login"), f"sent to the login page: {seen}"
        if is_api(rule):
            assert response.mimetype in ("application/json", "application/problem+json"), seen
    elif outcome == FORBIDDEN:
        assert status == 403, f"{principal} should be refused with 403: {seen}"
        if is_api(rule):
            assert response.mimetype == "application/problem+json", seen
    elif outcome == LOGIN:
        assert status == 302 and location.path == "/login", f"anonymous should go to the login page: {seen}"
        if method == "GET":
            assert parse_qs(location.query)["next"][0].rstrip("?") == url, seen
    else:
        assert status == 401, f"without a token /api/v1 answers 401: {seen}"
        assert response.mimetype == "application/problem+json", seen
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), seen


@pytest.mark.parametrize(("endpoint", "rule", "method", "principal"), CASES)
def test_matrix(world: World, endpoint: str, rule: str, method: str, principal: str) -> None:
    assert endpoint in MATRIX, f"{endpoint} ({rule}) is not in MATRIX: add a line saying who may use it"
    assert method in MATRIX[endpoint], f"{method} {rule} is not in MATRIX[{endpoint!r}]: say who may use it"
    outcome = expected_outcome(endpoint, rule, method, principal)
    url = build_url(world, endpoint, rule, method, outcome, principal)
    response = send(world, endpoint, rule, method, principal, url)
    try:
        check(response, endpoint, rule, method, principal, outcome, url)
    finally:
        response.close()  # static files are streamed from an open file


# --- the table against the application and crm/security.py ---------------------------------------------------


def test_the_table_lists_every_rule_and_method(app: Flask) -> None:
    routes = url_map_routes(app)
    present = {(endpoint, method) for endpoint, _rule, method in routes}
    listed = {(endpoint, method) for endpoint, row in MATRIX.items() for method in row}
    missing = sorted(f"{method} {endpoint}" for endpoint, method in present - listed)
    stale = sorted(f"{method} {endpoint}" for endpoint, method in listed - present)
    assert not missing, f"routes without a line in MATRIX (say who may use them): {missing}"
    assert not stale, f"MATRIX lines for routes that no longer exist: {stale}"
    api_endpoints = {endpoint for endpoint, rule, _method in routes if is_api(rule)}
    assert api_endpoints == {
        endpoint for endpoint, rule, _method in routes if endpoint in api_endpoints and is_api(rule)
    }
    for endpoint, row in MATRIX.items():
        for method, who in row.items():
            assert who, f"{method} {endpoint}: nobody at all? Remove the route instead"
            if endpoint in api_endpoints:
                assert who <= ANY_TOKEN, f"{method} {endpoint}: /api/v1 is for tokens only"
            else:
                assert who <= PUBLIC, f"{method} {endpoint}: API tokens never open pages"


def test_the_named_sets_are_those_of_crm_security() -> None:
    from crm import security
    from crm.placements.views import MANAGERS

    def names(roles: tuple[Role, ...]) -> frozenset[str]:
        return frozenset(role.value for role in roles)

    assert set(ROLES) == {role.value for role in Role}
    assert names(security.LOGGERS) == LOGGERS
    assert names(security.EDITORS) == EDITORS
    assert names(security.ADMINS) == ADMINS
    assert names(MANAGERS) == PLACEMENT_MANAGERS


def test_what_anonymous_may_open_is_exactly_the_login_exemption_list(app: Flask) -> None:
    from crm.security import PUBLIC_ENDPOINTS

    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    open_to_anonymous = {e for e, row in MATRIX.items() if any(ANONYMOUS in who for who in row.values())}
    assert open_to_anonymous == set(PUBLIC_ENDPOINTS)
    assert set(PUBLIC_ENDPOINTS) <= endpoints, "PUBLIC_ENDPOINTS names a route that does not exist"


def _non_api_routes(*, public: bool) -> list[tuple[str, str, str]]:
    return [
        (endpoint, rule, method)
        for endpoint, rule, method in ROUTES
        if not is_api(rule) and (ANONYMOUS in MATRIX.get(endpoint, {}).get(method, frozenset())) == public
    ]


def test_htmx_requests_of_anonymous_visitors_get_401_with_the_login_address(world: World) -> None:
    client, token = world.clients[ANONYMOUS], world.csrf[ANONYMOUS]
    wrong = []
    for endpoint, rule, method in _non_api_routes(public=False):
        url = build_url(world, endpoint, rule, method, LOGIN, ANONYMOUS)
        data = {"csrf_token": token} if method != "GET" else None
        response = client.open(url, method=method, data=data, headers={"HX-Request": "true"})
        if response.status_code != 401 or response.headers.get("HX-Redirect") != "/login":
            wrong.append(f"{method} {url}: {response.status_code}")
    assert not wrong


def test_an_api_token_opens_no_page(world: World) -> None:
    """A bearer token authenticates /api/v1 only; sent to a page it counts for nothing."""
    client = world.clients["token"]
    headers = {"Authorization": f"Bearer {world.secrets['write-token:admin']}"}
    wrong = []
    for endpoint, rule, method in _non_api_routes(public=False):
        if method != "GET":
            continue
        url = build_url(world, endpoint, rule, method, LOGIN, ANONYMOUS)
        response = client.get(url, headers=headers)
        if response.status_code != 302 or urlsplit(response.headers["Location"]).path != "/login":
            wrong.append(f"GET {url}: {response.status_code}")
    assert not wrong


def test_an_admin_who_must_set_up_two_factor_login_reaches_nothing_else(world: World) -> None:
    """With CRM_REQUIRE_2FA_FOR_ADMINS every page but the setup (and logout) leads to the setup page."""
    from crm.security import ENROLMENT_ENDPOINTS, PUBLIC_ENDPOINTS

    client, token = world.clients[ADMIN], world.csrf[ADMIN]
    world.app.config["REQUIRE_2FA_FOR_ADMINS"] = True
    wrong, checked = [], 0
    try:
        for endpoint, rule, method in _non_api_routes(public=False):
            if endpoint in ENROLMENT_ENDPOINTS or endpoint in PUBLIC_ENDPOINTS:
                continue
            url = build_url(world, endpoint, rule, method, FORBIDDEN, ADMIN)  # shared records: nothing may change
            response = client.open(url, method=method, data={"csrf_token": token} if method != "GET" else None)
            checked += 1
            if (
                response.status_code != 302
                or urlsplit(response.headers["Location"]).path != "/profile/two-factor/setup"
            ):
                wrong.append(f"{method} {url}: {response.status_code}")
    finally:
        world.app.config["REQUIRE_2FA_FOR_ADMINS"] = False
    assert checked > 100 and not wrong


# --- forged form fields, query arguments and other people's things --------------------------------------------


def _own_client(world: World, role: str) -> tuple[User, FlaskClient, str]:
    """A user of `role` of this test's own, logged in: forging must not touch the shared principals."""
    user = _user(role, f"{role}-{world.next_number()}")
    db.session.commit()
    client, token = _login_client(world.app, user.email)
    return user, client, token


def _reload(model: Any, record_id: int) -> Any:
    db.session.expire_all()
    return db.session.get(model, record_id)


def test_the_profile_form_changes_name_and_language_only(world: World) -> None:
    user, client, token = _own_client(world, COACH)
    colleague_id = world.ids["user_id"]
    colleague_before = (_reload(User, colleague_id).name, _reload(User, colleague_id).role)
    email, session_token = user.email, user.session_token
    forged = {
        "csrf_token": token,
        "name": "Neuer Name",
        "language": "en",
        "role": "admin",
        "email": "chef@evil.example",
        "active": "y",
        "id": str(colleague_id),
        "user_id": str(colleague_id),
        "site_id": "1",
        "session_token": "abc",
    }
    response = client.post("/profile", data=forged)
    assert response.status_code == 302
    saved = _reload(User, user.id)
    assert (saved.name, saved.language) == ("Neuer Name", "en")
    assert (saved.role, saved.email, saved.site_id, saved.session_token) == (Role.COACH, email, None, session_token)
    colleague = _reload(User, colleague_id)
    assert (colleague.name, colleague.role) == colleague_before
    assert client.get("/admin/users").status_code == 403


def test_an_activity_is_logged_by_the_current_user_for_the_employer_in_the_url(world: World) -> None:
    user, client, token = _own_client(world, COACH)
    employer_id, other_employer_id, colleague_id = (
        world.ids["employer_id"],
        world.extra["referrer_id"],
        world.ids["user_id"],
    )
    forged_ids = {"user_id": colleague_id, "created_by_id": colleague_id, "employer_id": other_employer_id}
    data = {
        "csrf_token": token,
        "activity-csrf_token": token,
        "activity-kind": "call",
        "activity-occurred_at": (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "activity-subject": "Gefälschter Absender",
        **{f"activity-{key}": str(value) for key, value in forged_ids.items()},
        **{key: str(value) for key, value in forged_ids.items()},
    }
    response = client.post(f"/employers/{employer_id}/activities/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    activity = db.session.scalar(select(Activity).where(Activity.subject == "Gefälschter Absender"))
    assert (activity.user_id, activity.employer_id) == (user.id, employer_id)


def test_a_followup_is_created_by_the_current_user_and_stays_with_its_employer(world: World) -> None:
    user, client, token = _own_client(world, ACQUISITION)
    employer_id, colleague_id = world.ids["employer_id"], world.ids["user_id"]
    due = (local_today() + timedelta(days=10)).isoformat()
    response = client.post(
        f"/followups/new?employer_id={employer_id}",
        data={
            "csrf_token": token,
            "employer_id": str(employer_id),
            "title": "Gefälschter Auftraggeber",
            "due_date": due,
            "created_by_id": str(colleague_id),
            "created_by": str(colleague_id),
            "status": "done",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    followup = db.session.scalar(select(FollowUp).where(FollowUp.title == "Gefälschter Auftraggeber"))
    assert followup.created_by_id == user.id and followup.is_open
    # Editing it: the hidden employer field names another employer, the follow-up stays where it is.
    response = client.post(
        f"/followups/{followup.id}/edit",
        data={
            "csrf_token": token,
            "employer_id": str(world.extra["referrer_id"]),
            "title": "Umbenannt",
            "due_date": due,
            "priority": "normal",
            "repeat_unit": "",
            "created_by_id": str(colleague_id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    followup = _reload(FollowUp, followup.id)
    assert (followup.title, followup.employer_id, followup.created_by_id) == ("Umbenannt", employer_id, user.id)


def test_a_contact_cannot_be_moved_to_another_employer_by_a_forged_field(world: World) -> None:
    _user_, client, token = _own_client(world, COACH)
    contact_id = _fresh_contact(world, COACH)
    response = client.post(
        f"/contacts/{contact_id}/edit",
        data={"csrf_token": token, "last_name": "Umgezogen", "employer_id": str(world.extra["referrer_id"])},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    contact = _reload(Contact, contact_id)
    assert (contact.last_name, contact.employer_id) == ("Umgezogen", world.ids["employer_id"])


def test_the_employer_form_ignores_fields_it_does_not_offer_and_refuses_unknown_owners(world: World) -> None:
    _user_, client, token = _own_client(world, ACQUISITION)
    employer_id = _fresh_employer(world, ACQUISITION)
    before = _reload(Employer, employer_id)
    stage_id, created_at = before.stage_id, before.created_at
    declined = db.session.scalar(select(Stage).where(Stage.id != stage_id).order_by(Stage.id.desc()))
    response = client.post(
        f"/employers/{employer_id}/edit",
        data={
            "csrf_token": token,
            "name": "Matrix Umbenannt",
            "stage_id": str(declined.id),
            "archived_at": "2020-01-01T00:00",
            "created_at": "2020-01-01T00:00",
            "last_contact_at": "2020-01-01T00:00",
            "do_not_approach_before": "2099-01-01",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    employer = _reload(Employer, employer_id)
    assert employer.name == "Matrix Umbenannt"
    assert (employer.stage_id, employer.archived_at, employer.created_at) == (stage_id, None, created_at)
    assert (employer.last_contact_at, employer.do_not_approach_before) == (None, None)
    # An owner must be an active user, a site an existing one: anything else is a field error, nothing saved.
    inactive_id = _fresh_user(world, ADMIN, active=False)
    for field_name, value in (("owner_id", inactive_id), ("owner_id", 999_999), ("site_id", 999_999)):
        response = client.post(
            f"/employers/{employer_id}/edit", data={"csrf_token": token, "name": "Nicht gespeichert", field_name: value}
        )
        assert response.status_code == 422, (field_name, value)
        employer = _reload(Employer, employer_id)
        assert (employer.name, employer.owner_id, employer.site_id) == ("Matrix Umbenannt", None, None)


def test_api_tokens_belong_to_whoever_creates_them_and_only_they_can_revoke_them(world: World) -> None:
    user, client, token = _own_client(world, VIEWER)
    colleague_id = world.ids["user_id"]

    def tokens_of(user_id: int) -> list[ApiToken]:
        db.session.expire_all()
        return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)))

    colleague_tokens = len(tokens_of(colleague_id))
    response = client.post(
        "/api/tokens", data={"csrf_token": token, "name": "Mein Export", "scope": "read", "user_id": str(colleague_id)}
    )
    assert response.status_code == 200 and "Mein Export" in response.get_data(as_text=True)
    assert [t.name for t in tokens_of(user.id)] == ["Mein Export"]
    assert len(tokens_of(colleague_id)) == colleague_tokens
    # Someone else's token: not found (its existence is not confirmed), and it keeps working.
    foreign_id = world.ids["token_id"]
    assert client.post(f"/api/tokens/{foreign_id}/revoke", data={"csrf_token": token}).status_code == 404
    assert _reload(ApiToken, foreign_id).revoked_at is None
    assert "Fremd" not in client.get("/api/tokens").get_data(as_text=True)


def test_reminder_settings_and_calendar_links_change_only_ones_own(world: World) -> None:
    from crm.followups.models import ReminderSettings

    user, client, token = _own_client(world, COACH)
    feed_user_id = world.extra["feed_user_id"]
    feed_url = f"/followups/calendar/{world.extra['feed_token']}.ics"
    response = client.post(
        "/followups/settings",
        data={"csrf_token": token, "digest_time": "06:30", "user_id": str(feed_user_id)},
    )
    assert response.status_code == 302
    for path in ("/followups/calendar/regenerate", "/followups/calendar/revoke"):
        assert client.post(path, data={"csrf_token": token, "user_id": str(feed_user_id)}).status_code == 302
    db.session.expire_all()
    own = db.session.scalar(select(ReminderSettings).where(ReminderSettings.user_id == user.id))
    assert (own.digest_enabled, own.digest_time.strftime("%H:%M"), own.calendar_key) == (False, "06:30", None)
    theirs = db.session.scalar(select(ReminderSettings).where(ReminderSettings.user_id == feed_user_id))
    assert theirs.digest_enabled is True and theirs.calendar_key is not None
    response = world.clients[ANONYMOUS].get(feed_url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/activities", {"kind": "call", "subject": "API gefälscht", "user_id": 0, "created_by_id": 0}),
        (
            "/api/v1/followups",
            {"title": "API gefälscht", "due_date": "2031-01-02", "created_by_id": 0, "status": "done"},
        ),
        ("/api/v1/employers", {"name": "API gefälscht", "archived_at": "2020-01-01", "version": 7}),
    ],
    ids=["activity", "followup", "employer"],
)
def test_the_api_refuses_fields_it_does_not_define(world: World, path: str, body: dict[str, Any]) -> None:
    colleague_id = world.ids["user_id"]
    body = {key: colleague_id if value == 0 else value for key, value in body.items()}
    if path != "/api/v1/employers":
        body["employer_id"] = world.ids["employer_id"]
    headers = {"Authorization": f"Bearer {world.secrets['write-token:admin']}"}
    response = world.clients["token"].post(path, json=body, headers=headers)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    forged = set(body) - {"kind", "subject", "title", "due_date", "name", "employer_id"}
    assert set(response.get_json()["errors"]) == forged
    db.session.expire_all()
    assert db.session.scalar(select(Activity).where(Activity.subject == "API gefälscht")) is None
    assert db.session.scalar(select(FollowUp).where(FollowUp.title == "API gefälscht")) is None
    assert db.session.scalar(select(Employer).where(Employer.name == "API gefälscht")) is None


def test_a_forged_scope_does_not_show_the_teams_followups(world: World) -> None:
    """Only admins and viewers see the team's follow-ups list; others asking for it get their own."""
    user, client, _token = _own_client(world, COACH)
    schedule_followup(
        employer=_employer_obj(world),
        title="Meine eigene Aufgabe",
        due_date=local_today() + timedelta(days=2),
        created_by=user,
        assigned_to=user,
    )
    db.session.commit()
    colleague_id = world.ids["user_id"]  # the shared follow-up "Zurückrufen" is the colleague's
    for url in (f"/followups/?scope=team&user={colleague_id}", f"/followups/export.csv?scope=team&user={colleague_id}"):
        page = client.get(url).get_data(as_text=True)
        assert "Meine eigene Aufgabe" in page and "Zurückrufen" not in page, url
    viewer_page = world.clients[VIEWER].get(f"/followups/?scope=team&user={colleague_id}").get_data(as_text=True)
    assert "Zurückrufen" in viewer_page


def test_archived_employers_are_listed_for_admins_only_whatever_the_query_says(world: World) -> None:
    employer_id = _fresh_employer(world, ADMIN, archived=True)
    name = _reload(Employer, employer_id).name

    def api_names(principal: str) -> list[str]:
        headers = {"Authorization": f"Bearer {world.secrets[principal]}"}
        response = world.clients["token"].get(f"/api/v1/employers?archived=true&q={name}", headers=headers)
        assert response.status_code == 200
        return [item["name"] for item in response.get_json()["items"]]

    assert api_names("read-token:admin") == [name]
    assert api_names("read-token:acquisition") == []
    link = f'href="/employers/{employer_id}"'  # the search box repeats the name, the list links the record
    for principal, listed in ((ADMIN, True), (ACQUISITION, False), (VIEWER, False)):
        page = world.clients[principal].get(f"/employers?q={name}&archived=y").get_data(as_text=True)
        assert (link in page) == listed, principal


def test_a_changed_role_counts_from_the_next_request_on(world: World) -> None:
    user, client, _token = _own_client(world, ACQUISITION)
    _secret_token, secret = create_token(user=user, name="Skript", scope=TokenScope.WRITE)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/employers/new").status_code == 200
    admin, admin_token = world.clients[ADMIN], world.csrf[ADMIN]
    response = admin.post(
        f"/admin/users/{user.id}", data={"csrf_token": admin_token, "name": user.name, "role": "viewer", "site_id": ""}
    )
    assert response.status_code == 302
    assert client.get("/employers/new").status_code == 403
    response = world.clients["token"].post("/api/v1/employers", json={"name": "Nach Rollenwechsel"}, headers=headers)
    assert response.status_code == 403


def test_a_deactivated_user_loses_every_session_and_token(world: World) -> None:
    user, client, _token = _own_client(world, ACQUISITION)
    _api_token, secret = create_token(user=user, name="Skript", scope=TokenScope.READ)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert world.clients["token"].get("/api/v1/employers", headers=headers).status_code == 200
    response = world.clients[ADMIN].post(f"/admin/users/{user.id}/deactivate", data={"csrf_token": world.csrf[ADMIN]})
    assert response.status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    assert world.clients["token"].get("/api/v1/employers", headers=headers).status_code == 401


def test_the_language_switch_in_the_footer_works_before_logging_in(world: World) -> None:
    """The login page shows the switch; it must not send an anonymous visitor back to the login page unchanged."""
    client = world.app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="de"' in page and 'action="/language"' in page
    response = client.post(
        "/language", data={"csrf_token": csrf_token_from(page), "language": "en", "next": "//evil.example.org/x"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"  # a foreign `next` is dropped
    assert '<html lang="en"' in client.get("/login").get_data(as_text=True)
