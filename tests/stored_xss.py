"""Stored-XSS test kit (issue 9): a payload per text column, a seeded world that fills every model, and checks.

Every String/Text column of every table in the metadata gets, in every row, a value of the form
``=X012<script>xss()</script><img src=x onerror=xss()>"'&;,\\`` — a field marker (``=X`` and the
field's number; ``r3`` added in the fourth row where the column is unique) followed by a
payload that fits the column's length. The leading ``=`` also makes every value a spreadsheet formula
to neutralise. Columns that hold a validated format or a machine value are left out, each with its
reason in EXCLUDED; enum columns are left out generically (only the enum's values fit them).

A page shows a field escaped when the marker is followed by ``&lt;``; raw, when it is followed by ``<``
(or by any character of the payload that should have been an entity). New columns and models are picked
up from the metadata without touching this file; only a new validated-format column needs a line in
EXCLUDED, and a new model needs a row in `seed_world` (a test checks that every table has one).
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pyotp
from markupsafe import escape
from sqlalchemy import JSON, Enum, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapper

from crm.activities.models import ActivityKind
from crm.activities.services import archive_activity, log_activity
from crm.api.models import TokenScope
from crm.api.tokens import create_token
from crm.auth.mails import queue_password_reset_mail
from crm.auth.models import Role, User
from crm.auth.services import create_user
from crm.auth.two_factor import begin_enrolment, confirm_enrolment
from crm.benefits.models import LegalFact
from crm.contacts.services import create_contact
from crm.db import utcnow
from crm.duoday.models import ParticipationStatus
from crm.duoday.services import invite_hosts
from crm.employers.models import Employer, Industry, Stage
from crm.employers.services import move_employer_to_stage, tags_for_names
from crm.extensions import db
from crm.followups.ical import regenerate_calendar_key, token_for
from crm.followups.models import DigestRun, Priority
from crm.followups.services import cancel_followup, complete_followup, schedule_followup, snooze_followup
from crm.followups.workdays import local_today
from crm.imports.commit import commit_import
from crm.imports.services import preview_import, store_upload
from crm.mail import OutboxMessage, OutboxStatus
from crm.objections.models import Argument, Objection, Outcome
from crm.objections.services import record_argument, record_objection
from crm.placements.models import PlacementOutcome, PlacementType
from crm.placements.services import advance_placement, end_placement
from crm.referrals.models import Partner
from crm.referrals.services import add_provider, record_referral
from crm.reports.services import save_quota_settings
from crm.security_events.models import SecurityEventKind
from crm.security_events.services import record_security_event
from crm.sites.models import Site
from tests.helpers import TEST_PASSWORD
from tests.placements.factories import make_event, make_participation, make_placement, make_posting

# --- the payload ------------------------------------------------------------------------------------------

FULL = "<script>xss()</script><img src=x onerror=xss()>\"'&;,\\"
MIDDLE = "<script>xss()</script>\"'&"
SHORT = "<i>\"'&"
TINY = '<b>"&'
TAILS = (FULL, MIDDLE, SHORT, TINY)
MARKER_RE = re.compile(r"=X(\d{3})(?:r\d+)?", re.IGNORECASE)
RAW_RE = re.compile(r"<script>xss\(\)|<img src=x onerror", re.IGNORECASE)

# Columns left out of the payload, each with its reason: validated formats and machine values. Enum
# columns are left out generically (ENUM_REASON).
EXCLUDED: dict[str, str] = {
    "users.email": "validated e-mail address (login name)",
    "users.password_hash": "password hash, never shown",
    "users.language": "locale code chosen from a fixed list",
    "users.session_token": "random session token",
    "users.totp_secret": "encrypted TOTP secret",
    "recovery_codes.code_hash": "Argon2 hash",
    "api_tokens.token_hash": "SHA-256 of the token",
    "api_tokens.prefix": "server-generated token prefix",
    "contacts.email": "validated e-mail address",
    "employers.email": "validated e-mail address",
    "employers.postcode": "validated five-digit postcode (String(5))",
    "employers.normalized_name": "derived from the name for duplicate search, never shown",
    "employer_search.document": "derived full-text search document, never shown",
    "stages.key": "machine key the code looks stages up by",
    "legal_facts.key": "machine key the benefit calculator looks facts up by",
    "reminder_settings.calendar_key": "random calendar-feed key",
    "import_runs.stored_name": "server-generated file name of the upload",
    "imported_records.entity_type": "model name written by the import",
    "imported_records.action": "created | updated",
    "audit_entries.entity_type": "model name written by the audit listener",
    "audit_entries.action": "create | update | delete …",
    "audit_entries.request_id": "server-generated request id",
    "outbox_messages.dedupe_key": "server-generated unique key",
    "outbox_messages.kind": "mail kind constant",
    "outbox_messages.recipient": "validated e-mail address",
    "scheduler_locks.name": "lock name constant",
    "scheduler_locks.holder": "host and process id of the scheduler",
}
ENUM_REASON = "enum: only the enum's values are stored"
# Text that is not a column of its own: the uploaded import file's headings and cells (JSON column and stored
# file), and what a request sends (query arguments of GET forms, fields of a form that comes back with errors).
PSEUDO_FIELDS = ("import_file.header", "import_file.cell", "request.query", "request.form")
# Tables that may stay empty in the seeded world.
EMPTY_TABLES = {"scheduler_locks": "a lock row exists only while a scheduler runs"}


@dataclass(frozen=True)
class Field:
    number: int
    name: str  # "table.column" (or "import_file.header" for text that is not a column)
    length: int | None
    unique: bool = False

    def value(self, row: int = 0) -> str:
        marker = f"=X{self.number:03d}" + (f"r{row}" if row and self.unique else "")
        for tail in TAILS:
            if self.length is None or len(marker) + len(tail) <= self.length:
                return marker + tail
        raise AssertionError(f"{self.name} is too short for any payload; add it to EXCLUDED with its reason")


@dataclass
class Fields:
    by_number: dict[int, Field] = field(default_factory=dict)
    by_name: dict[str, Field] = field(default_factory=dict)
    enum_columns: list[str] = field(default_factory=list)

    def add(self, name: str, length: int | None, *, unique: bool = False) -> Field:
        item = Field(len(self.by_number) + 1, name, length, unique)
        self.by_number[item.number] = item
        self.by_name[name] = item
        return item

    def __getitem__(self, name: str) -> Field:
        return self.by_name[name]


def text_fields() -> Fields:
    """Every String/Text column of the metadata that holds text a user can enter (tables sorted, columns in order)."""
    fields = Fields()
    for table in sorted(db.metadata.tables.values(), key=lambda t: t.name):
        for column in table.columns:
            name = f"{table.name}.{column.name}"
            if isinstance(column.type, Enum):
                fields.enum_columns.append(name)
            elif isinstance(column.type, String | Text) and not isinstance(column.type, JSON) and name not in EXCLUDED:
                unique = bool(column.unique) or any(
                    column.name in constraint.columns and isinstance(constraint, UniqueConstraint)
                    for constraint in table.constraints
                )
                fields.add(name, getattr(column.type, "length", None), unique=unique)
    for name in PSEUDO_FIELDS:
        fields.add(name, None)
    return fields


# --- the seeded world --------------------------------------------------------------------------------------


@dataclass
class World:
    """Ids of the seeded records (by URL argument name) and what the checks need."""

    fields: Fields
    ids: dict[str, Any] = field(default_factory=dict)
    employer_ids: list[int] = field(default_factory=list)
    imports: dict[str, int] = field(default_factory=dict)  # state -> import run id
    feed_token: str = ""
    admin_email: str = ""
    coach_email: str = ""
    api_secret: str = ""


def _employer(name: str, *, owner: User | None, stage_key: str = "lead", **extra: Any) -> Employer:
    stage = db.session.scalar(select(Stage).where(Stage.key == stage_key))
    employer = Employer(name=name, normalized_name=name.casefold(), stage=stage, owner=owner, **extra)
    db.session.add(employer)
    db.session.flush()
    return employer


def _first(model: Any, **where: Any) -> Any:
    query = select(model).filter_by(**where).order_by(model.id)
    return db.session.scalars(query).first()


def _import_csv(fields: Fields) -> bytes:
    header = fields["import_file.header"].value()
    cell = fields["import_file.cell"].value()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Firma", "Ort", header])
    writer.writerow([f"Import {cell}", "Hamburg", cell])
    return buffer.getvalue().encode("utf-8")


def seed_world() -> World:
    """Create at least one row in every table through the services, then put the payloads into every text column.

    The payload pass goes through the ORM, so the audit trail records the payloads too; the digest, the feed,
    the exports and the pages then read them as users would.
    """
    fields = text_fields()
    world = World(fields=fields)
    today = local_today()
    site = _first(Site)
    admin = create_user(email="admin@xss.example.org", name="Admin", role=Role.ADMIN, password=TEST_PASSWORD)
    coach = create_user(email="coach@xss.example.org", name="Coach", role=Role.COACH, password=TEST_PASSWORD)
    other = create_user(email="other@xss.example.org", name="Other", role=Role.ACQUISITION, password=TEST_PASSWORD)
    admin.site = coach.site = other.site = site
    world.admin_email, world.coach_email = admin.email, coach.email

    employer = _employer("Bäckerei", owner=admin, stage_key="talks", site=site, industry=_first(Industry))
    employer.tags = tags_for_names(["Küche", "Lager"])
    for name in ("street", "city", "district", "phone", "website", "legal_form", "notes"):
        setattr(employer, name, "x")
    referrer = _employer("Hotel", owner=other, site=site)
    archived = _employer("Archiv", owner=other)
    stale = _employer("Lange still", owner=admin, stage_key="talks")  # due for contact in the digest
    stale.created_at = stale.stage_changed_at = utcnow() - timedelta(days=60)
    world.employer_ids = [employer.id, referrer.id, archived.id, stale.id]
    contact = create_contact(employer=employer, last_name="Schulz", first_name="Eva", phone="040 123", is_primary=True)
    create_contact(employer=referrer, last_name="Meier")
    move_employer_to_stage(employer=referrer, stage=_first(Stage, key="talks"), reason="Grund", actor=other)

    activity = log_activity(
        employer=employer,
        kind=ActivityKind.CALL,
        user=admin,
        subject="Anruf",
        contact=contact,
        summary="s",
        outcome="o",
    )
    old_note = log_activity(employer=referrer, kind=ActivityKind.NOTE, user=other, subject="Notiz")
    archive_activity(activity=old_note)
    overdue = schedule_followup(
        employer=employer,
        title="Rückruf",
        due_date=today - timedelta(days=2),
        created_by=admin,
        assigned_to=admin,
        contact=contact,
        note="n",
        priority=Priority.HIGH,
        activity_id=activity.id,
    )
    due_today = schedule_followup(employer=referrer, title="Heute", due_date=today, created_by=admin, assigned_to=admin)
    snoozed = schedule_followup(employer=employer, title="Später", due_date=today, created_by=other, assigned_to=coach)
    snooze_followup(followup=snoozed, to_date=today + timedelta(days=7), by=coach)
    done = schedule_followup(employer=employer, title="Erledigt", due_date=today, created_by=admin, assigned_to=admin)
    complete_followup(followup=done, by=admin)
    cancelled = schedule_followup(employer=employer, title="Weg", due_date=today, created_by=admin, assigned_to=admin)
    cancel_followup(followup=cancelled, by=admin, reason="Grund")
    db.session.commit()

    event = make_event()
    participation = make_participation(employer, event, actor=coach, contact_id=contact.id, job_area="Küche")
    posting = make_posting(employer, actor=other, description="d", requirements="r", district="Altona")
    placement = make_placement(employer, actor=coach, mentor_name="m", funding_body="f")
    advance_placement(
        placement=placement,
        placement_type=PlacementType.INDIVIDUAL_TEMPORARY,
        start_date=today,
        note="Phase",
        actor=coach,
    )
    ended = make_placement(referrer, actor=coach, start_date=today - timedelta(days=30))
    end_placement(placement=ended, end_date=today, outcome=PlacementOutcome.OTHER, reason="r", actor=coach)
    db.session.commit()

    record = record_objection(employer=employer, objection=_first(Objection), actor=other, note="n")
    use = record_argument(record=record, argument=_first(Argument), outcome=Outcome.OPEN, actor=other, note="n")
    partner = _first(Partner)
    referral = record_referral(
        referred=employer, referrer_employer=referrer, referred_on=today, actor=other, contact=None, note="n"
    )
    record_referral(referred=stale, partner=partner, referred_on=today, actor=other, note="n")
    involvement = add_provider(employer=employer, partner=partner, note="n", actor=other)
    db.session.commit()

    # DuoDay invitations: last year's hosts get an invitation follow-up.
    last_year = make_event(year=today.year - 1, region="Vorjahr")
    make_participation(referrer, last_year, actor=coach, participant_ref="CD-1", status=ParticipationStatus.DONE)
    invited = invite_hosts(employer_ids=[referrer.id], year=today.year, due_date=today, actor=admin)
    assert invited.invited, "the DuoDay invitation was not created"

    data = _import_csv(fields)
    for state in ("uploaded", "previewed", "committed"):
        run = store_upload(filename=f"liste-{state}.csv", data=data, actor=other)
        if state != "uploaded":
            preview_import(run=run, mapping={"name": 0, "city": 1, "notes": 2})
        if state == "committed":
            commit_import(run=run, decisions={}, actor=other)
        world.imports[state] = run.id

    token, world.api_secret = create_token(user=admin, name="Excel", scope=TokenScope.READ)
    feed = regenerate_calendar_key(user=admin)
    world.feed_token = token_for(feed.calendar_key)
    queue_password_reset_mail(other)
    for message in db.session.scalars(select(OutboxMessage)):
        message.status = OutboxStatus.SENT  # stored, not to be delivered again by the digest test
        message.last_error = "x"
    record_security_event(kind=SecurityEventKind.LOGIN_FAILED, detail="x")
    # Two-factor login with recovery codes for a user the tests do not log in as.
    confirm_enrolment(user=other, code=pyotp.TOTP(begin_enrolment(user=other)).now())
    save_quota_settings(
        workforce_size=400,
        outside_count=12,
        baseline_percent=Decimal("3.0"),
        baseline_date=today - timedelta(days=365),
        goal_percent=Decimal("6.0"),
        goal_year=today.year + 2,
        actor=admin,
    )
    db.session.add(DigestRun(user_id=other.id, covers_date=today - timedelta(days=1)))
    db.session.commit()

    world.ids.update(
        employer_id=employer.id,
        contact_id=contact.id,
        activity_id=activity.id,
        followup_id=overdue.id,
        event_id=event.id,
        participation_id=participation.id,
        posting_id=posting.id,
        placement_id=placement.id,
        record_id=record.id,
        use_id=use.id,
        referral_id=referral.id,
        partner_id=partner.id,
        involvement_id=involvement.id,
        user_id=other.id,
        token_id=token.id,
        fact_id=_first(LegalFact).id,
        industry_id=employer.industry_id,
        stage_id=employer.stage_id,
        a=employer.id,
        b=referrer.id,
        item_id=overdue.id,
        due_today_id=due_today.id,
    )
    archived.archived_at = archived.created_at
    db.session.commit()
    return world


def fill_payloads(fields: Fields, *, skip_users: Iterable[int] = ()) -> int:
    """Write each field's payload into every row of its table through the ORM; return the number of values."""
    written = 0
    mappers: list[Mapper] = sorted(db.Model.registry.mappers, key=lambda m: m.class_.__name__)
    for mapper in mappers:
        table = mapper.local_table
        attributes = []
        for prop in mapper.column_attrs:
            if len(prop.columns) == 1 and prop.columns[0].table is table:
                name = f"{table.name}.{prop.columns[0].name}"
                if name in fields.by_name:
                    attributes.append((prop.key, fields[name]))
        if not attributes:
            continue
        rows = db.session.scalars(select(mapper.class_).order_by(*mapper.primary_key)).all()
        for index, row in enumerate(rows):
            for key, item in attributes:
                setattr(row, key, item.value(index))
                written += 1
        db.session.flush()
    db.session.commit()
    return written


# --- checking what comes back -------------------------------------------------------------------------------


@dataclass
class Finding:
    url: str
    problem: str

    def __str__(self) -> str:
        return f"{self.url}: {self.problem}"


class _Structure(HTMLParser):
    """Find payloads that became markup: script elements or event handlers running xss(), img src=x, js: URLs."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "hx-get", "hx-post", "data", "poster", "xlink:href"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and "xss" in value:
                self.problems.append(f"<{tag} {name}={value!r}> (event handler from stored text)")
            if name in self.URL_ATTRIBUTES:
                scheme = re.sub(r"[\x00-\x20]", "", value).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"<{tag} {name}={value!r}> (script URL)")
            if tag == "img" and name == "src" and value == "x":
                self.problems.append("<img src=x> (markup from stored text)")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "xss" in data:
            self.problems.append(f"<script> running {data[:60]!r}")


def _escaped_continuation(body: str, start: int, tail: str) -> str | None:
    """Compare what follows a marker with the escaped payload: None if fine, else the raw character found."""
    cursor = start
    for char in tail:
        entity = str(escape(char))
        if body[cursor : cursor + len(entity)].lower() == entity.lower():
            cursor += len(entity)
        elif entity != char and body[cursor : cursor + 1] == char:
            return char
        else:
            return None  # shortened (truncate, "…") or another context: nothing raw here
    return None


@dataclass
class HtmlReport:
    seen: set[int] = field(default_factory=set)  # field numbers seen escaped as HTML text
    problems: list[str] = field(default_factory=list)


def check_html(body: str, fields: Fields) -> HtmlReport:
    """Find raw payloads in an HTML document and the fields shown escaped in it."""
    report = HtmlReport()
    for match in RAW_RE.finditer(body):
        report.problems.append(f"raw payload …{body[max(0, match.start() - 40) : match.end() + 20]!r}…")
    parser = _Structure()
    parser.feed(body)
    parser.close()
    report.problems.extend(parser.problems)
    for match in MARKER_RE.finditer(body):
        number = int(match.group(1))
        item = fields.by_number.get(number)
        if item is None:
            continue
        after = body[match.end() : match.end() + 4]
        if after.startswith("<"):
            report.problems.append(f"{item.name} unescaped: …{body[match.start() : match.end() + 40]!r}…")
            continue
        if not after.lower().startswith("&lt;"):
            continue  # a URL (%3C), JSON (\u003c) or a shortened value: not shown as text here
        tail = next(t for t in TAILS if item.value().endswith(t))
        raw = _escaped_continuation(body, match.end(), tail)
        if raw is not None:
            report.problems.append(f"{item.name}: {raw!r} not escaped: …{body[match.start() : match.end() + 90]!r}…")
        else:
            report.seen.add(number)
    return report


@dataclass
class GetForm:
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # (name, value) with text inputs filled in


class LinkCollector(HTMLParser):
    """Local URLs a page links to or loads by htmx (href, hx-get), and its GET forms with the text inputs filled."""

    TEXT_INPUTS = {"text", "search"}
    KEPT_INPUTS = {"hidden", "date", "number", "month"}

    def __init__(self, filler: str) -> None:
        super().__init__(convert_charrefs=True)
        self.filler = filler
        self.links: list[tuple[str, bool]] = []  # (url, is htmx)
        self.forms: list[GetForm] = []
        self._form: GetForm | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and values.get("href"):
            self.links.append((values["href"], False))
        if values.get("hx-get"):
            self.links.append((values["hx-get"], True))
        if tag == "form":
            is_get = values.get("method", "get").lower() == "get" and "hx-post" not in values
            self._form = GetForm(values.get("action", "")) if is_get else None
            if self._form is not None:
                self.forms.append(self._form)
        elif self._form is not None and values.get("name"):
            kind = values.get("type", "text").lower()
            if tag == "textarea" or (tag == "input" and kind in self.TEXT_INPUTS):
                self._form.fields.append((values["name"], self.filler))
            elif tag == "input" and kind in self.KEPT_INPUTS and values.get("value"):
                self._form.fields.append((values["name"], values["value"]))
            elif tag == "select":
                self._select = values["name"]
        elif tag == "option" and self._form is not None and self._select and values.get("value"):
            self._form.fields.append((self._select, values["value"]))  # the first choice that is not empty
            self._select = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def links_in(body: str, *, filler: str = "") -> LinkCollector:
    collector = LinkCollector(filler)
    collector.feed(body)
    collector.close()
    return collector
