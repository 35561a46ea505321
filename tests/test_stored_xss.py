"""Stored XSS (issue 9, OWASP ASVS 5.3.3): a payload in every text field is shown escaped everywhere.

One seeded world (tests/stored_xss.py) holds a marked payload in every String/Text column of every row of
every table. One walk (`walk`) then visits, as an admin, a coach and an anonymous visitor, every GET rule of
`app.url_map` with the seeded ids, every local link and htmx URL those pages lead to, their GET forms filled
with a payload, the CSV/XLSX exports, the JSON downloads and the print views, and records what it saw. The tests below read that record: nothing raw in any HTML,
every field seen escaped somewhere (or listed in NOT_SHOWN with its reason), exports are attachments with
formulas neutralised, non-HTML answers are never text/html. The morning digest goes through the real SMTP
sink, the iCalendar feed through the icalendar parser, error pages and htmx answers get payloads too.
"""

import csv
import io
import json
import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from icalendar import Calendar
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from crm.auth.models import User
from crm.employers.models import Employer
from crm.extensions import db
from crm.followups.jobs import queue_due_digests
from crm.followups.models import FollowUp, FollowUpStatus
from crm.imports.fields import FIELDS_BY_KEY, check_cell
from crm.mail import deliver_due_messages
from crm.objections.models import Argument, Objection
from crm.reports.pages import REPORTS
from tests.helpers import csrf_token_from, empty_database, login
from tests.stored_xss import (
    EMPTY_TABLES,
    ENUM_REASON,
    EXCLUDED,
    FULL,
    MARKER_RE,
    PSEUDO_FIELDS,
    RAW_RE,
    Fields,
    GetForm,
    World,
    check_html,
    fill_payloads,
    links_in,
    seed_world,
)

# Fields never shown as HTML text anywhere, each with the reason. The walk fails if one of them is seen
# (then it belongs on no list) or if a field outside this list is not seen (then a page lost it, or it
# belongs here).
NOT_SHOWN: dict[str, str] = {
    "login_attempts.email": "used for login throttling only; the security events page shows its own detail",
    "login_attempts.address": "used for login throttling only; the security events page shows its own address",
    "outbox_messages.subject": "stored e-mails are sent, never shown (test_mails_carry_stored_text_escaped)",
    "outbox_messages.body_text": "stored e-mails are sent, never shown",
    "outbox_messages.body_html": "stored e-mails are sent, never shown",
    "outbox_messages.last_error": "delivery error for the log, never shown",
}

ROLES = ("admin", "coach", "anonymous")
# Endpoints the walk does not request as pages: checked by their own tests below, or not a page at all.
NOT_WALKED = {
    "static": "files, no stored text",
    "followups.calendar_feed": "text/calendar: test_calendar_feed_and_vcard_escape_text_per_rfc",
    "auth.reset_password": "needs a reset token; shows the form, no stored text",
    "auth.login_two_factor": "only during a half-done login",
}
# Query arguments some pages need (without them they answer 404, which the walk also requests).
QUERIES: dict[str, list[dict[str, str]]] = {
    "followups.create": [{"employer_id": "employer_id", "title": "=request.query"}],
    "duoday.new_participation": [{"employer_id": "employer_id", "event_id": "event_id"}],
    "placements.new": [{"employer_id": "employer_id"}],
    "postings.new": [{"employer_id": "employer_id"}],
    "referrals.referrer_detail": [{"employer": "b"}, {"partner": "partner_id"}],
}
MAX_REQUESTS_PER_ROLE = 900
HTML = "text/html"
CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- one world and one walk for the module --------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clean_database(app: Flask):
    """Replaces conftest's per-test truncation: this module seeds once (`seeded`) and empties at its end."""
    with app.app_context():
        yield
        db.session.remove()


@dataclass
class Seeded:
    world: World
    clients: dict[str, FlaskClient]
    values_written: int

    @property
    def fields(self) -> Fields:
        return self.world.fields


@pytest.fixture(scope="module")
def seeded(app: Flask):
    with app.app_context():
        try:
            world = seed_world()
            clients = {}
            for role, email in (("admin", world.admin_email), ("coach", world.coach_email)):
                clients[role] = app.test_client()
                assert login(clients[role], email).status_code == 302
            clients["anonymous"] = app.test_client()
            # After the logins, so their login attempts and security events carry payloads too.
            written = fill_payloads(world.fields)
            yield Seeded(world=world, clients=clients, values_written=written)
        finally:
            empty_database()


@dataclass
class Visit:
    role: str
    url: str
    endpoint: str
    status: int
    content_type: str
    htmx: bool = False


@dataclass
class WalkReport:
    visits: list[Visit] = field(default_factory=list)
    html_problems: list[str] = field(default_factory=list)
    export_problems: list[str] = field(default_factory=list)
    other_problems: list[str] = field(default_factory=list)  # non-HTML answers and server errors
    seen: dict[int, str] = field(default_factory=dict)  # field number -> first URL that showed it escaped
    in_exports: set[int] = field(default_factory=set)
    neutralised: int = 0  # export cells that started with "=" and came out with the apostrophe
    seconds: float = 0.0

    def note_html(self, where: str, body: str, fields: Fields) -> None:
        report = check_html(body, fields)
        self.html_problems.extend(f"{where}: {problem}" for problem in report.problems)
        for number in report.seen:
            self.seen.setdefault(number, where)

    def of_type(self, prefix: str) -> list[Visit]:
        return [visit for visit in self.visits if visit.content_type.startswith(prefix)]


def _rule_urls(app: Flask, rule: Rule, seeded: Seeded) -> list[str]:
    """The URLs that request `rule` with the seeded records (several where an argument picks a kind of page)."""
    world = seeded.world
    arguments = set(rule.arguments)
    variants: list[dict[str, Any]] = [{}]
    if rule.endpoint == "employers.detail":
        variants = [{"employer_id": employer_id} for employer_id in world.employer_ids]
    elif rule.endpoint == "objections.catalogue_entry":
        models = {"objections": Objection, "arguments": Argument}
        variants = [
            {"kind": kind, "entry_id": db.session.scalar(select(func.min(model.id)))} for kind, model in models.items()
        ]
    elif rule.endpoint == "reports.export":
        return []  # the report pages link each of their tables; the walk follows those links
    elif rule.endpoint == "reports.report":
        variants = [{"key": spec.key} for spec in REPORTS]
    elif "import_id" in arguments:
        state = {"imports.mapping": "uploaded", "imports.preview": "previewed"}.get(rule.endpoint, "committed")
        variants = [{"import_id": world.imports[state]}]
    urls = []
    defaults = rule.defaults or {}
    with app.test_request_context():
        for variant in variants:
            values = {name: variant.get(name, defaults.get(name, world.ids.get(name))) for name in arguments}
            missing = [name for name, value in values.items() if value is None]
            assert not missing, f"no seeded value for {missing} of {rule.rule}: add it to seed_world"
            url = url_for(rule.endpoint, **values)
            urls.append(url)
            for query in QUERIES.get(rule.endpoint, []):
                resolved = {
                    key: seeded.fields[ref[1:]].value() if ref.startswith("=") else world.ids[ref]
                    for key, ref in query.items()
                }
                urls.append(f"{url}?{urlencode(resolved)}")
    return urls


def _match(app: Flask, url: str) -> tuple[str, dict[str, Any]] | None:
    try:
        return app.url_map.bind("localhost").match(urlsplit(url).path, method="GET")
    except HTTPException:  # 404, 405, redirects: not a page of the app
        return None


def _signature(app: Flask, url: str, htmx: bool) -> tuple | None:
    """What makes two URLs the same page for the walk: the rule, its text arguments and the query's names."""
    matched = _match(app, url)
    if matched is None:
        return None
    endpoint, values = matched
    texts = tuple(sorted((k, v) for k, v in values.items() if not isinstance(v, int)))
    if endpoint == "employers.detail":
        texts = (("employer_id", values["employer_id"]),)
    keys = tuple(sorted({key for key, _value in parse_qsl(urlsplit(url).query, keep_blank_values=True)}))
    return endpoint, texts, keys, htmx


def _check_download(report: WalkReport, visit: Visit, response) -> None:
    """Non-HTML answers: never sniffed as HTML; exports are attachments with every formula neutralised."""
    headers = response.headers
    if headers.get("X-Content-Type-Options") != "nosniff":
        report.other_problems.append(f"{visit.url}: {visit.content_type} without X-Content-Type-Options: nosniff")
    if visit.content_type.startswith((CSV_TYPE, XLSX_TYPE)):
        disposition = headers.get("Content-Disposition", "")
        if not disposition.startswith("attachment"):
            report.export_problems.append(f"{visit.url}: not an attachment ({disposition!r})")
        data = response.get_data()
        cells = _csv_cells(data) if visit.content_type.startswith(CSV_TYPE) else _xlsx_cells(data, report, visit.url)
        for value in cells:
            for match in MARKER_RE.finditer(value):
                report.in_exports.add(int(match.group(1)))
            if value.startswith(FORMULA_STARTS):
                report.export_problems.append(f"{visit.url}: cell {value[:40]!r} is a formula")
            elif value.startswith("'=X"):
                report.neutralised += 1
    elif visit.content_type.startswith("application/json"):
        try:
            json.loads(response.get_data(as_text=True))
        except ValueError:
            report.other_problems.append(f"{visit.url}: application/json that is not JSON")


def _csv_cells(data: bytes) -> list[str]:
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")
    return [value for row in rows for value in row]


def _xlsx_cells(data: bytes, report: WalkReport, url: str) -> list[str]:
    workbook = load_workbook(io.BytesIO(data))
    values = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    report.export_problems.append(f"{url}: formula cell {cell.coordinate} {cell.value!r}")
                if isinstance(cell.value, str):
                    values.append(cell.value)
    return values


def _form_url(page_url: str, form: GetForm) -> str:
    action = form.action or urlsplit(page_url).path
    return f"{action.split('#')[0].split('?')[0]}?{urlencode(form.fields)}" if form.fields else ""


def _walk_role(app: Flask, seeded: Seeded, role: str, report: WalkReport) -> None:
    """Request every GET rule, then every local link, htmx URL and GET form found, once per page signature."""
    client = seeded.clients[role]
    fields = seeded.fields
    filler = fields["request.query"].value()
    queue: deque[tuple[str, bool]] = deque()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" in rule.methods and rule.endpoint not in NOT_WALKED and not rule.rule.startswith("/api/v1/"):
            queue.extend((url, False) for url in _rule_urls(app, rule, seeded))
    done: set[tuple] = set()
    while queue:
        url, htmx = queue.popleft()
        signature = _signature(app, url, htmx)
        if signature is None or signature in done or signature[0] in NOT_WALKED or url.startswith("/api/v1/"):
            continue
        done.add(signature)
        assert len(done) <= MAX_REQUESTS_PER_ROLE, "the walk does not end: too many distinct pages"
        response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
        content_type = response.headers.get("Content-Type", "")
        visit = Visit(role, url, signature[0], response.status_code, content_type, htmx)
        report.visits.append(visit)
        if response.status_code >= 500:
            report.other_problems.append(f"{url} ({role}): {response.status_code}")
        if response.status_code in (301, 302, 303, 307, 308):
            queue.append((response.headers["Location"], False))
            continue
        if not content_type.startswith(HTML):
            _check_download(report, visit, response)
            continue
        body = response.get_data(as_text=True)
        report.note_html(f"{url} ({role})", body, fields)
        found = links_in(body, filler=filler)
        for link, is_htmx in found.links:
            if link.startswith("/") and not link.startswith(("//", "/static/")):
                queue.append((link, is_htmx))
        for form in found.forms:
            if target := _form_url(url, form):
                queue.append((target, False))


@pytest.fixture(scope="module")
def walk(app: Flask, seeded: Seeded) -> WalkReport:
    """Walk every page as an admin and as a coach; record what was seen (once for the module)."""
    report = WalkReport()
    started = time.perf_counter()
    with app.app_context():
        for role in ROLES:
            _walk_role(app, seeded, role, report)
    report.seconds = time.perf_counter() - started
    return report


# --- the world itself -----------------------------------------------------------------------------------


def test_the_seed_has_a_row_in_every_table_and_a_payload_in_every_text_column(seeded):
    empty = [
        table.name
        for table in db.metadata.sorted_tables
        if table.name not in EMPTY_TABLES and not db.session.execute(select(func.count()).select_from(table)).scalar()
    ]
    assert not empty, f"tables without a row in the XSS world (add them to seed_world): {empty}"
    for name in EXCLUDED:
        table, column = name.split(".")
        assert column in db.metadata.tables[table].columns, f"EXCLUDED names a column that does not exist: {name}"
    columns = [name for name in seeded.fields.by_name if name not in PSEUDO_FIELDS]
    for name in columns:
        table, column = name.split(".")
        values = db.session.scalars(select(db.metadata.tables[table].c[column])).all()
        assert values and all(MARKER_RE.match(v or "") for v in values), f"{name} holds no payload: {values[:3]}"
    assert seeded.values_written >= len(columns)
    assert seeded.fields.enum_columns, ENUM_REASON


def test_the_checks_find_what_they_must_find(seeded):
    """The HTML check is not vacuous: raw markup, an unescaped quote, handlers and script URLs are reported."""
    fields = seeded.fields
    item = fields["employers.name"]
    value = item.value()
    escaped = str(escape(value))
    assert check_html(f"<p>{escaped}</p>", fields).seen == {item.number}
    assert not check_html(f"<p>{escaped}</p>", fields).problems
    assert check_html(f'<input value="{escaped}">', fields).seen == {item.number}
    raw_quote = escaped.replace("&#34;", '"')
    for body in (
        f"<p>{value}</p>",  # no escaping at all
        f'<input value="{raw_quote}">',  # <> escaped, the quote not: breaks out of the attribute
        '<a href=" javascript:xss()">x</a>',
        '<div onmouseover="xss()">x</div>',
        "<script>xss()</script>",
    ):
        assert check_html(body, fields).problems, body


# Every place that turns text into markup without Jinja's escaping, reviewed: (file, what) -> how often.
UNESCAPED_MARKUP = {
    # The panels of the employer page and its print view: the output of render_template (autoescaped).
    ("crm/employers/views.py", "Markup("): 1,
    # The SVG charts: every label is passed through markupsafe.escape where it is added (charts.py _Svg.text).
    ("crm/reports/charts.py", "Markup("): 1,
}
UNESCAPING = (
    "|safe",
    "| safe",
    "Markup(",
    "autoescape false",
    "autoescape=False",
    "render_template_string",
    "unescape(",
)


def test_every_way_around_escaping_is_reviewed():
    """|safe, Markup(), autoescape off and render_template_string appear only where reviewed (UNESCAPED_MARKUP)."""
    root = Path(__file__).resolve().parent.parent
    found: Counter[tuple[str, str]] = Counter()
    for folder, suffixes in (("templates", (".html", ".txt", ".svg", ".xml")), ("crm", (".py", ".html"))):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in suffixes or not path.is_file():
                continue
            source = path.read_text(encoding="utf-8")
            for construct in UNESCAPING:
                if count := source.replace("{%- ", "{% ").lower().count(construct.lower()):
                    found[(str(path.relative_to(root)), construct)] += count
    assert dict(found) == UNESCAPED_MARKUP, "review the new way around escaping and add it to UNESCAPED_MARKUP"


def test_the_walk_fails_when_templates_stop_escaping(app, seeded):
    """With Jinja's autoescaping switched off for one request, the walk's check reports the employer page."""
    environment = app.jinja_env
    saved = environment.autoescape
    environment.autoescape = False
    environment.cache.clear()
    try:
        body = seeded.clients["admin"].get(f"/employers/{seeded.world.ids['employer_id']}").get_data(as_text=True)
    finally:
        environment.autoescape = saved
        environment.cache.clear()
    report = check_html(body, seeded.fields)
    assert report.problems
    assert seeded.fields["employers.name"].number not in report.seen


# --- pages, print views, fragments, GET forms ------------------------------------------------------------


def test_every_page_shows_stored_text_escaped(app, walk):
    assert not walk.html_problems, "\n".join(walk.html_problems[:40])
    assert not walk.other_problems, "\n".join(walk.other_problems[:40])
    wanted = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in NOT_WALKED and not rule.rule.startswith("/api/v1/")
    }
    reached = {visit.endpoint for visit in walk.visits if visit.status == 200}
    assert wanted <= reached, f"GET endpoints the walk never got a page of: {sorted(wanted - reached)}"
    for role in ("admin", "coach"):
        pages = [v for v in walk.visits if v.role == role and v.status == 200 and v.content_type.startswith(HTML)]
        assert len(pages) > 100, (role, len(pages))
    assert {"employers.print_view", "benefits.sheet", "postings.poster", "gdpr.report"} <= reached  # print views
    assert any(visit.htmx and visit.status == 200 for visit in walk.visits), "no htmx fragment was walked"
    assert any(visit.status == 403 for visit in walk.visits), "no error page was walked"


def test_every_text_field_is_shown_escaped_somewhere(seeded, walk):
    fields = seeded.fields
    seen = {fields.by_number[number].name for number in walk.seen}
    missing = sorted(set(fields.by_name) - seen - set(NOT_SHOWN) - {"request.form"})
    assert not missing, (
        f"fields never seen escaped on any page (a page lost them, or list them in NOT_SHOWN): {missing}"
    )
    listed_but_seen = sorted(set(NOT_SHOWN) & seen)
    assert not listed_but_seen, f"NOT_SHOWN lists fields that pages do show: {listed_but_seen}"


# --- exports, downloads, JSON ------------------------------------------------------------------------------


def test_exports_are_attachments_with_every_formula_neutralised(walk, seeded):
    assert not walk.export_problems, "\n".join(walk.export_problems[:40])
    exported = {visit.endpoint for visit in walk.of_type(CSV_TYPE) + walk.of_type(XLSX_TYPE)}
    assert {
        "employers.export_csv",
        "employers.export_xlsx",
        "followups.export",
        "postings.export",
        "placements.export",
        "reports.export",
        "imports.export_contacts",
    } <= exported
    assert {f"{kind}.export" for kind in ("followups", "postings", "placements")} <= {
        visit.endpoint for visit in walk.of_type(XLSX_TYPE)
    }
    assert walk.neutralised > 100, walk.neutralised
    names = {seeded.fields.by_number[number].name for number in walk.in_exports}
    assert {"employers.name", "contacts.last_name", "followups.title", "job_postings.title"} <= names
    for visit in walk.visits:
        if not visit.content_type.startswith(HTML):
            assert visit.endpoint not in {"main.dashboard", "employers.detail"}, visit


def test_json_api_and_downloads_are_never_html(app, seeded):
    """The API answers application/json with the stored text as data; downloads are not HTML either."""
    world = seeded.world
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world.api_secret}", "Accept": "text/html"}
    employer_name = db.session.get(Employer, world.ids["employer_id"]).name
    seen_name = False
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or "GET" not in rule.methods:
            continue
        values = {name: world.ids[name] for name in rule.arguments}
        with app.test_request_context():
            url = url_for(rule.endpoint, **values)
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
        assert response.mimetype == "application/json", (url, response.content_type)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        seen_name = seen_name or employer_name in _strings(response.get_json())
        checked += 1
    assert checked >= 10
    assert seen_name, "the API did not return the stored employer name as data"
    for url in (f"/gdpr/contacts/{world.ids['contact_id']}/export.json", f"/contacts/{world.ids['contact_id']}.vcf"):
        response = seeded.clients["admin"].get(url)
        assert response.status_code == 200, url
        assert not response.mimetype.startswith("text/html"), (url, response.content_type)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment"), url


def _strings(document: Any) -> set[str]:
    """Every string value in a JSON document."""
    if isinstance(document, str):
        return {document}
    if isinstance(document, dict):
        document = list(document.values())
    if isinstance(document, list):
        return set().union(*(_strings(item) for item in document)) if document else set()
    return set()


# --- the iCalendar feed and the vCard ------------------------------------------------------------------------


CONTENT_LINE = re.compile(r"^[A-Z][A-Z0-9-]*[;:]")  # NAME, then parameters or the value (RFC 5545 3.1)


def _unfolded_lines(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_calendar_feed_and_vcard_escape_text_per_rfc(app, seeded):
    """Property values come back exactly as stored (RFC 5545/2426 escaping of , ; \\ and line breaks); a line
    break in stored text cannot start a property of its own."""
    world = seeded.world
    client = app.test_client()
    response = client.get(f"/followups/calendar/{world.feed_token}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    calendar = Calendar.from_ical(response.get_data())
    events = {str(event["uid"]): event for event in calendar.walk("VEVENT")}
    followups = db.session.scalars(
        select(FollowUp).where(FollowUp.status == FollowUpStatus.OPEN, FollowUp.assigned_to_id == _admin_id(world))
    ).all()
    assert followups and len(events) == len(followups)
    for followup in followups:
        event = next(e for uid, e in events.items() if uid.startswith(f"followup-{followup.id}@"))
        assert str(event["summary"]) == f"{followup.title} – {followup.employer.name}"
        assert FULL in str(event["summary"])  # the payload's , ; \\ came back unchanged
        if followup.note:
            assert followup.note in str(event["description"])
    raw_lines = _unfolded_lines(response.get_data())
    assert all(CONTENT_LINE.match(line) for line in raw_lines if line), "a line that is not a property"
    summaries = [line for line in raw_lines if line.startswith("SUMMARY")]
    assert summaries and all("&\\;\\,\\\\" in line for line in summaries), summaries  # FULL ends with &;,\\

    # A line break in stored text: escaped as \\n, so no injected property.
    followup = db.session.get(FollowUp, world.ids["followup_id"])
    contact = followup.contact
    saved = (followup.title, contact.last_name)
    followup.title = "Anruf\r\nATTACH:https://evil.example.org/x\nX-INJECTED:1"
    contact.last_name = "Schulz\r\nURL:https://evil.example.org"
    db.session.commit()
    try:
        feed = client.get(f"/followups/calendar/{world.feed_token}.ics").get_data()
        card = seeded.clients["admin"].get(f"/contacts/{contact.id}.vcf").get_data()
    finally:
        followup.title, contact.last_name = saved
        db.session.commit()
    lines = _unfolded_lines(feed)
    assert all(CONTENT_LINE.match(line) for line in lines if line)
    assert not [line for line in lines if line.startswith(("ATTACH", "X-INJECTED"))], lines
    event = next(
        e for e in Calendar.from_ical(feed).walk("VEVENT") if str(e["uid"]).startswith(f"followup-{followup.id}@")
    )
    assert str(event["summary"]).startswith("Anruf\nATTACH:https://evil.example.org/x\nX-INJECTED:1 – ")
    card_lines = _unfolded_lines(card)
    assert all(CONTENT_LINE.match(line) for line in card_lines if line)
    assert not [line for line in card_lines if line.startswith("URL")], card_lines


def _admin_id(world: World) -> int:
    return db.session.scalar(select(User.id).where(User.email == world.admin_email))


# --- e-mails ------------------------------------------------------------------------------------------------


def _html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None and part.get_content_type() == "text/html"
    return part.get_content()


def test_mails_carry_stored_text_escaped(app, seeded, smtp_server):
    """The morning digest and the password-reset mail, sent through the real SMTP sink: HTML part escaped."""
    world = seeded.world
    fields = seeded.fields
    report = queue_due_digests(ignore_time=True, any_day=True)
    assert any(outcome.email == world.admin_email and outcome.status == "queued" for outcome in report.outcomes)
    # The coach asks for a password reset: the mail greets the stored name.
    anonymous = app.test_client()
    token = csrf_token_from(anonymous.get("/password/forgot").get_data(as_text=True))
    assert anonymous.post("/password/forgot", data={"email": world.coach_email, "csrf_token": token}).status_code == 302
    delivered = deliver_due_messages()
    assert delivered.sent >= 2, delivered
    by_recipient = {rcpts[0]: message for _sender, rcpts, message in smtp_server.received}
    digest = by_recipient[world.admin_email]
    html = _html_part(digest)
    checked = check_html(html, fields)
    assert not checked.problems, checked.problems
    shown = {fields.by_number[number].name for number in checked.seen}
    assert {
        "followups.title",
        "employers.name",
        "contacts.first_name",
        "contacts.last_name",
        "activities.subject",
    } <= shown, shown
    assert not RAW_RE.search(str(digest["Subject"]))
    reset = by_recipient[world.coach_email]
    checked = check_html(_html_part(reset), fields)
    assert not checked.problems and fields["users.name"].number in checked.seen, checked


# --- error pages, forms that come back with errors, htmx answers ---------------------------------------------


def test_error_pages_and_forms_with_errors_escape_what_was_sent(app, seeded):
    fields = seeded.fields
    client = seeded.clients["admin"]
    value = fields["request.form"].value()
    quoted = quote(value, safe="")
    answers = {
        "404": client.get(f"/employers/{quoted}"),
        "404 deep": client.get(f"/{quoted}/{quoted}"),
        "405": client.get(f"/followups/{seeded.world.ids['followup_id']}/done"),
        "400 csrf": client.post("/employers/new", data={"name": value}),
        "403": seeded.clients["coach"].get(f"/admin/users?q={quoted}"),
    }
    csrf = csrf_token_from(client.get("/employers/new").get_data(as_text=True))
    answers["422 employer"] = client.post(
        "/employers/new",
        data={"csrf_token": csrf, "name": value, "notes": value, "city": value, "postcode": "no"},
    )
    contact_form = f"/employers/{seeded.world.ids['employer_id']}/contacts/new"
    csrf = csrf_token_from(client.get(contact_form).get_data(as_text=True))
    answers["422 contact"] = client.post(
        contact_form, data={"csrf_token": csrf, "first_name": value, "notes": value, "email": value}
    )
    expected = {"404": 404, "404 deep": 404, "405": 405, "400 csrf": 400, "403": 403}
    for name, response in answers.items():
        assert response.status_code == expected.get(name, 422), (name, response.status_code)
        assert response.mimetype == "text/html", name
        checked = check_html(response.get_data(as_text=True), fields)
        assert not checked.problems, (name, checked.problems)
        if name.startswith("422"):
            assert fields["request.form"].number in checked.seen, f"{name}: the typed text was not kept (escaped)"


def test_htmx_answers_escape_stored_and_sent_text(app, seeded):
    """Done, snooze and quick log answer with fragments that show the stored title and what was typed escaped."""
    fields = seeded.fields
    world = seeded.world
    client = seeded.clients["admin"]
    htmx = {"HX-Request": "true", "HX-Current-URL": f"http://localhost/employers/{world.ids['employer_id']}"}
    followups_page = client.get("/followups/").get_data(as_text=True)
    csrf = csrf_token_from(followups_page)
    fragments = {
        "snooze": client.post(
            f"/followups/{world.ids['due_today_id']}/snooze", data={"csrf_token": csrf, "days": "7"}, headers=htmx
        ),
        "done": client.post(f"/followups/{world.ids['followup_id']}/done", data={"csrf_token": csrf}, headers=htmx),
    }
    value = fields["request.form"].value()
    quicklog = f"/employers/{world.ids['employer_id']}/activities/new"
    data = _form_values(client.get(quicklog, headers=htmx).get_data(as_text=True))
    data.update({"activity-subject": value, "activity-summary": value})
    fragments["quick log"] = client.post(quicklog, data=data, headers=htmx)
    fragments["quick log invalid"] = client.post(
        quicklog, data={**data, "activity-occurred_at": "gestern", "activity-outcome": value}, headers=htmx
    )
    for name, response in fragments.items():
        body = response.get_data(as_text=True)
        assert response.status_code in (200, 422), (name, response.status_code, body[:300])
        assert "<html" not in body.lower(), f"{name}: not a fragment"
        checked = check_html(body, fields)
        assert not checked.problems, (name, checked.problems)
        assert checked.seen, f"{name}: the fragment shows no stored or typed text"
    assert fields["followups.title"].number in check_html(fragments["done"].get_data(as_text=True), fields).seen
    assert fields["request.form"].number in check_html(fragments["quick log"].get_data(as_text=True), fields).seen


class _FormValues(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        name = values.get("name")
        if tag == "input" and name and values.get("type") not in ("checkbox", "radio", "submit"):
            self.values[name] = values.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and (self._select not in self.values or "selected" in values):
            self.values[self._select] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def _form_values(html: str) -> dict[str, str]:
    """What a browser would send for the form in `html` as it is (inputs, the selected options)."""
    parser = _FormValues()
    parser.feed(html)
    return parser.values


# --- a javascript: website --------------------------------------------------------------------------------


def test_an_imported_website_must_be_a_web_address():
    """ "javascript://x.de/%0Aalert(1)" passed the import's check and became the employer page's link."""
    for value in ("javascript://x.org/%0Axss()", "JavaScript://a.b%0aalert(1)", "data://a.b/x", "vbscript://a.b/x"):
        converted, error = check_cell(FIELDS_BY_KEY["website"], value)
        assert converted is None and error, value
    assert check_cell(FIELDS_BY_KEY["website"], "www.firma.de") == ("https://www.firma.de", None)
    assert check_cell(FIELDS_BY_KEY["website"], "HTTP://firma.de") == ("HTTP://firma.de", None)


def test_a_stored_script_url_is_not_linked(seeded):
    """A website stored before the import checked the scheme is shown as text, not as a link."""
    employer = db.session.get(Employer, seeded.world.ids["employer_id"])
    saved = employer.website
    employer.website = "javascript://x.org/%0Axss()"
    db.session.commit()
    try:
        body = seeded.clients["admin"].get(f"/employers/{employer.id}").get_data(as_text=True)
    finally:
        employer.website = saved
        db.session.commit()
    assert "javascript://x.org/%0Axss()" in body
    assert not check_html(body, seeded.fields).problems
