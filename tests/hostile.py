"""Hostile input for the property tests: value strategies, a world of records, DB snapshots, German checks.

The fuzz tests (tests/test_fuzz_forms.py, tests/test_fuzz_queries.py, tests/api/test_fuzz_api.py) post
what people and programs really send by mistake or on purpose — random Unicode, 100 000 characters, NUL
and other control characters, right-to-left marks, impossible dates, numbers no column can hold — and
check that the app answers with a message instead of a server error and leaves nothing half-written.

CRM_FUZZ_EXAMPLES sets the examples per endpoint (default small, for CI); examples are derandomized, so
every run (and CI) sends the same requests.
"""

import logging
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pyotp
import wtforms
from babel.messages.mofile import read_mo
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import event, select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from crm import create_app
from crm.extensions import db
from crm.paths import PACKAGE_DIR

FUZZ_EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "6"))


def fuzz_settings(max_examples: int = FUZZ_EXAMPLES) -> settings:
    """Bounded, reproducible runs: fixed examples, no deadline (PostgreSQL is slower), no example database."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


# --- values -----------------------------------------------------------------------------------------

INVALID_DATES = [
    "31.02.2026",
    "2026-13-01",
    "99999-01-01",
    "2026-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "1899-12-31",
    "32.01.2026",
    "2026-05-12T25:61",
    "12/31/2026",
    "morgen",
]
BAD_NUMBERS = [
    "1e309",
    "-1e309",
    "-0",
    "²",
    "99999999999999999999",
    "-99999999999999999999",
    "2147483648",
    "9223372036854775808",
    "NaN",
    "inf",
    "-1",
    "0",
    "1,5",
    "1.5",
    "0x1A",
    "1_000",
    "١٢",
    "１２",
    "1e-400",
    "9" * 400,
]
CONTROL_TEXTS = ["\x00", "a\x00b", "\x01\x02\x1b[31m", "\r\n\r\n", "\t", "\x7f", "\u2028\u2029", "\ufeff", "\x00 \x00"]
SCRIPT_TEXTS = [
    "\u202egnp.exe",
    "مرحبا بالعالم",
    "שלום עולם",
    "👩\u200d👩\u200d👧\u200d👦🎉",
    "Z̷̢a̶l̵g̸o̴",
    "\u200b",
    "𝕳𝖊𝖑𝖑𝖔",
    "ß ẞ İ ı ǅ",
]
TRICK_TEXTS = [
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%n%(x)s",
    "{{ 7*7 }}",
    "../../etc/passwd",
    " ",
    "  Bäcker  ",
]
LONG_LENGTHS = [201, 5_001, 100_000]

# Random text without lone surrogates (a browser cannot send them; UTF-8 cannot encode them).
UNICODE = st.characters(exclude_categories=("Cs",))
CONTROL_CHARS = st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\x85\u2028\ufeff\u200e\u202e")


def long_text() -> st.SearchStrategy[str]:
    return st.builds(
        lambda char, n: char * n, st.sampled_from(["x", "ä", "😀", "\x00", "1", " "]), st.sampled_from(LONG_LENGTHS)
    )


def hostile_text() -> st.SearchStrategy[str]:
    """One hostile string: random Unicode, very long, control characters, scripts, bad dates or numbers, empty."""
    return st.one_of(
        st.text(UNICODE, max_size=40),
        st.text(CONTROL_CHARS, min_size=1, max_size=8),
        st.sampled_from(INVALID_DATES + BAD_NUMBERS),
        st.sampled_from(CONTROL_TEXTS + SCRIPT_TEXTS + TRICK_TEXTS),
        long_text(),
        st.just(""),
    )


def clean(value: str) -> str:
    """What BaseForm keeps of a typed text (tests/…: the stored value must be exactly this)."""
    return value.replace("\x00", "").strip()


# --- forms in HTML ----------------------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select", "select-multiple" or "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class HtmlForm:
    action: str
    fields: list[FormField] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    enctype: str = ""
    method: str = "get"


class FormParser(HTMLParser):
    """Collect every <form> with its fields, also controls tied to it by form="id"."""

    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[HtmlForm] = []
        self.by_id: dict[str, HtmlForm] = {}
        self.current: HtmlForm | None = None
        self.select: FormField | None = None
        self.select_target: HtmlForm | None = None
        self.textarea: FormField | None = None
        self.option: tuple[str | None, bool] | None = None  # value attribute and "selected" of the open <option>
        self.option_text = ""

    def _target(self, attrs: dict[str, str | None]) -> HtmlForm | None:
        owner = attrs.get("form")
        if owner:
            return self.by_id.get(owner) or self._defer(owner)
        return self.current

    def _defer(self, owner: str) -> HtmlForm:
        form = HtmlForm(action=f"#deferred:{owner}")
        self.by_id.setdefault(owner, form)
        return self.by_id[owner]

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attr_list}
        if tag == "form":
            form_id = attrs.get("id")
            form = self.by_id.get(form_id) if form_id else None
            if form is None:
                form = HtmlForm(action="")
                if form_id:
                    self.by_id[form_id] = form
            form.action = attrs.get("action") or self.page_path
            form.method = attrs.get("method", "get").lower()
            form.enctype = attrs.get("enctype", "")
            self.forms.append(form)
            self.current = form
            return
        if tag in ("input", "select", "textarea") and "disabled" in attrs:
            return  # a browser does not send it
        target = self._target(attrs)
        name = attrs.get("name")
        if tag == "input" and target is not None and name:
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "image"):
                target.buttons.append((name, attrs.get("value", "")))
            elif kind in ("checkbox", "radio"):
                existing = next((f for f in target.fields if f.name == name and f.kind == kind), None)
                if existing is None:
                    existing = FormField(name, kind)
                    target.fields.append(existing)
                existing.options.append(attrs.get("value", "on"))
                if "checked" in attrs:
                    existing.value = attrs.get("value", "on")
            else:
                target.fields.append(FormField(name, kind, attrs.get("value", "")))
        elif tag == "button" and target is not None and name:
            target.buttons.append((name, attrs.get("value", "")))
        elif tag == "select" and target is not None and name:
            self.select = FormField(name, "select-multiple" if "multiple" in attrs else "select")
            self.select_target = target
        elif tag == "option" and self.select is not None:
            self._end_option()  # </option> may be left out
            self.option = (attrs.get("value"), "selected" in attrs)
            self.option_text = ""
        elif tag == "textarea" and target is not None and name:
            self.textarea = FormField(name, "textarea")
            target.fields.append(self.textarea)

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.value += data
        elif self.option is not None:
            self.option_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "option":
            self._end_option()
        elif tag == "select" and self.select is not None:
            self._end_option()
            if not self.select.value and self.select.options and self.select.kind == "select":
                self.select.value = self.select.options[0]
            self.select_target.fields.append(self.select)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.textarea.value = self.textarea.value.removeprefix("\n")
            self.textarea = None

    def _end_option(self) -> None:
        if self.select is None or self.option is None:
            return
        value, selected = self.option
        value = value if value is not None else self.option_text.strip()
        self.select.options.append(value)
        if selected and not self.select.value:
            self.select.value = value
        self.option = None


def html_forms(html: str, page_path: str, method: str) -> list[HtmlForm]:
    parser = FormParser(page_path)
    parser.feed(html)
    parser.close()
    return [form for form in parser.forms if form.method == method]


def post_forms(html: str, page_path: str) -> list[HtmlForm]:
    return html_forms(html, page_path, "post")


class TextCollector(HTMLParser):
    """The text of elements whose class contains one of `classes` (error messages, alerts)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, classes: tuple[str, ...]) -> None:
        super().__init__(convert_charrefs=True)
        self.classes = classes
        self.stack: list[bool] = []
        self.texts: list[str] = []
        self.depth_open: list[int] = []

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        css = (dict(attr_list).get("class") or "").split()
        hit = any(c in css for c in self.classes)
        self.stack.append(hit)
        if hit:
            self.texts.append("")
            self.depth_open.append(len(self.stack))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID or not self.stack:
            return
        if self.depth_open and self.depth_open[-1] == len(self.stack):
            self.depth_open.pop()
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.depth_open:
            self.texts[-1] += data


def texts_with_class(html: str, *classes: str) -> list[str]:
    collector = TextCollector(classes)
    collector.feed(html)
    collector.close()
    return [" ".join(t.split()) for t in collector.texts if t.strip()]


# --- German messages --------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\w*\}")


class GermanMessages:
    """Recognise text made of German catalogue messages (the app's and WTForms' own), placeholders filled."""

    def __init__(self) -> None:
        self.patterns: list[tuple[str, re.Pattern[str]]] = []
        catalogues = [
            PACKAGE_DIR / "translations" / "de" / "LC_MESSAGES" / "messages.mo",
            Path(wtforms.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "wtforms.mo",
        ]
        seen: set[str] = set()
        for path in catalogues:
            with path.open("rb") as handle:
                catalogue = read_mo(handle)
            for message in catalogue:
                if not message.id or not message.string:
                    continue
                strings = message.string if isinstance(message.string, list | tuple) else [message.string]
                for german in strings:
                    german = " ".join(german.split())
                    # "%(label)s: %(value)s" would match any text: only messages with words of their own count.
                    if sum(ch.isalpha() for ch in PLACEHOLDER.sub("", german)) < 3:
                        continue
                    if german not in seen:
                        seen.add(german)
                        self.patterns.append((self._prefix(german), self._compile(german)))
        self.patterns.sort(key=lambda item: -len(item[0]))

    @staticmethod
    def _prefix(message: str) -> str:
        match = PLACEHOLDER.search(message)
        return message[: match.start()] if match else message

    @staticmethod
    def _compile(message: str) -> re.Pattern[str]:
        regex, position = "", 0
        for match in PLACEHOLDER.finditer(message):
            regex += re.escape(message[position : match.start()]) + r".*?"
            position = match.end()
        return re.compile(regex + re.escape(message[position:]), re.DOTALL)

    def is_german(self, text: str) -> bool:
        """True when `text` is one or more German catalogue messages in a row (as form errors are joined)."""
        text = " ".join(text.split())
        return self._consume(text, depth=0)

    def contains_german(self, text: str) -> bool:
        """True when `text` holds a German catalogue message of some length (an alert with more around it)."""
        text = " ".join(text.split())
        return any(len(prefix) >= 12 and prefix in text and pattern.search(text) for prefix, pattern in self.patterns)

    def _consume(self, text: str, depth: int) -> bool:
        if not text:
            return True
        if depth > 6:
            return False
        for prefix, pattern in self.patterns:
            if prefix and not text.startswith(prefix):
                continue
            if pattern.fullmatch(text):
                return True
            match = pattern.match(text)
            while match is not None:
                rest = text[match.end() :]
                if rest.startswith(" ") and self._consume(rest[1:], depth + 1):
                    return True
                break
        return False


_GERMAN: GermanMessages | None = None


def german() -> GermanMessages:
    global _GERMAN
    if _GERMAN is None:
        _GERMAN = GermanMessages()
    return _GERMAN


def rejection_problems(html: str, mimetype: str = "text/html") -> list[str]:
    """What is wrong with a rejected answer's messages: none at all, or one that is not German.

    An htmx request's error answer is the message alone, as text (crm.main.errors.render_error).
    """
    if mimetype == "text/plain":
        return [] if german().is_german(html.strip()) else [f"not German: {html[:200]!r}"]
    field_errors = texts_with_class(html, "invalid-feedback")
    others = texts_with_class(html, "alert") + texts_with_class(html, "lead")  # alerts, the error page's text
    problems = [f"not German: {message[:200]!r}" for message in field_errors if not german().is_german(message)]
    if not any(german().is_german(message) for message in field_errors) and not any(
        german().contains_german(message) for message in others
    ):
        problems.append(f"no German message on the page (found {[m[:100] for m in field_errors + others]})")
    return problems


# --- the database -----------------------------------------------------------------------------------

# Tables a rejected request may legitimately write to: failed logins are recorded (ASVS V7).
ATTEMPT_TABLES = frozenset({"security_events", "login_attempts"})

Snapshot = dict[str, dict[tuple, tuple]]
# Column names per table in the order SELECT * returns them (filled by snapshot()).
COLUMNS: dict[str, list[str]] = {}


def snapshot(exclude: frozenset[str] = ATTEMPT_TABLES) -> Snapshot:
    """Every row of every table (by primary key), read raw on a connection of its own (committed data only)."""
    result: Snapshot = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name in exclude:
                continue
            rows = connection.exec_driver_sql(f'SELECT * FROM "{table.name}"')
            names = COLUMNS.setdefault(table.name, list(rows.keys()))
            keys = [names.index(c.name) for c in table.primary_key.columns] or list(range(len(names)))
            result[table.name] = {tuple(row[i] for i in keys): tuple(row) for row in rows}
    return result


def changes(before: Snapshot, after: Snapshot) -> dict[str, list[tuple[str, Any, Any]]]:
    """Rows added, removed or changed per table: (what, key, row)."""
    found: dict[str, list[tuple[str, Any, Any]]] = {}
    for table, rows in after.items():
        old = before.get(table, {})
        if old == rows:
            continue
        diff = [("added", key, row) for key, row in rows.items() if key not in old]
        diff += [("removed", key, row) for key, row in old.items() if key not in rows]
        diff += [("changed", key, row) for key, row in rows.items() if key in old and old[key] != row]
        if diff:
            found[table] = diff
    return found


def written_strings(diff: dict[str, list[tuple[str, Any, Any]]]) -> Iterator[tuple[str, str, str]]:
    """(table, column, value) of every text in rows that were added or changed."""
    for table, rows in diff.items():
        for what, _key, row in rows:
            if what == "removed":
                continue
            for column, value in zip(COLUMNS[table], row, strict=True):
                if isinstance(value, str):
                    yield table, column, value


WRITE_STATEMENT = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.I)
WRITE_WORD = re.compile(r"\b(?:INSERT|UPDATE|DELETE|REPLACE|MERGE|TRUNCATE)\b", re.I)


@contextmanager
def written_tables(app: Flask) -> Iterator[set[str]]:
    """The tables that INSERT/UPDATE/DELETE statements run inside the block touch (cheaper than snapshots)."""
    tables: set[str] = set()

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if match := WRITE_STATEMENT.match(statement):
            tables.add(match.group(1))
        elif WRITE_WORD.search(statement):
            tables.add("?")  # some other writing statement: count it as a write to anything

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield tables
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


class DataWatch:
    """The committed data as last read; it is read again only after a request ran writing SQL (cheap)."""

    def __init__(self, app: Flask, exclude: frozenset[str] = ATTEMPT_TABLES) -> None:
        self.app = app
        self.exclude = exclude
        self.current = snapshot(exclude)
        self.diff: dict[str, list[tuple[str, Any, Any]]] = {}

    @contextmanager
    def watch(self) -> Iterator["DataWatch"]:
        """Run a request inside; afterwards `diff` holds what it changed."""
        with written_tables(self.app) as written:
            yield self
        self.diff = {}
        if written - self.exclude:
            after = snapshot(self.exclude)
            self.diff = changes(self.current, after)
            self.current = after


# --- server errors ----------------------------------------------------------------------------------


class _Collect(logging.Handler):
    def __init__(self, traces: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.traces = traces

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.traces.append(logging.Formatter().formatException(record.exc_info))


@contextmanager
def server_errors(app: Flask) -> Iterator[list[str]]:
    """Collect the tracebacks the app logs for unexpected errors (shown when a 500 happens)."""
    traces: list[str] = []
    handler = _Collect(traces)
    app.logger.addHandler(handler)
    try:
        yield traces
    finally:
        app.logger.removeHandler(handler)


def last_trace(traces: list[str]) -> str:
    return traces[-1][-3000:] if traces else "(no traceback logged)"


# --- the routes and the pages that link them --------------------------------------------------------

ARGUMENT = re.compile(r"<(?:[a-z]+:)?(\w+)>")
HREF = re.compile(r'href="(/[^"#]*)"')


def _url_rules() -> list[Rule]:
    """The app's URL rules, from a throwaway app (no database touched), outside the JSON API and static."""
    with tempfile.TemporaryDirectory() as instance, mock.patch.dict(os.environ, {"CRM_INSTANCE_PATH": instance}):
        application = create_app("testing", {"DATABASE_URL": "sqlite://", "SERVER_NAME": None})
    rules = [r for r in application.url_map.iter_rules() if r.endpoint != "static" and not r.rule.startswith("/api/v1")]
    return sorted(rules, key=lambda rule: (rule.rule, sorted(rule.methods or ())))


URL_RULES = _url_rules()
POST_RULES = [rule for rule in URL_RULES if "POST" in (rule.methods or ())]
GET_RULES = [rule for rule in URL_RULES if "GET" in (rule.methods or ())]


def fill(rule: str, ids: dict) -> str:
    """The rule with its <parts> filled from the world's ids."""
    return ARGUMENT.sub(lambda match: str(ids[match.group(1)]), rule)


def fillable(rule: str, ids: dict) -> bool:
    return all(name in ids for name in ARGUMENT.findall(rule))


def match_rule(app: Flask, url: str, method: str) -> str | None:
    """The rule of the app that `url` reaches with `method`, or None."""
    try:
        rule, _args = app.url_map.bind("localhost").match(urlsplit(url).path, method=method, return_rule=True)
    except HTTPException:  # not a route of the app for this method
        return None
    return rule.rule


def _template(url: str, ids: dict) -> str:
    """The link with the world's ids in its query as {names}, so another test's world can fill it again."""

    def name_it(match: re.Match) -> str:
        name, value = match.group(2), match.group(3)
        return f"{match.group(1)}{name}={{{name}}}" if str(ids.get(name)) == value else match.group(0)

    return re.sub(r"([?&])(\w+)=(\d+)\b", name_it, url)


@dataclass
class SiteMap:
    """What crawling every GET page of a world once shows (kept for the session: worlds are alike)."""

    hosts: dict[str, str] = field(default_factory=dict)  # POST rule → GET rule of a page holding its form
    links: dict[str, str] = field(default_factory=dict)  # rule → a link to it with a query (…/new?employer_id=)
    other_pages: dict[str, str] = field(default_factory=dict)  # GET rule ids cannot fill → a link to it
    crawled: bool = False

    def crawl(self, app: Flask, client: Any, ids: dict) -> None:
        if self.crawled:
            return
        for rule in GET_RULES:
            if not fillable(rule.rule, ids):
                continue
            page_url = fill(rule.rule, ids)
            response = client.get(page_url)
            html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            response.close()  # downloads are streamed files
            if response.status_code != 200:
                continue
            for form in post_forms(html, page_url):
                if (target := match_rule(app, form.action, "POST")) is not None:
                    self.hosts.setdefault(target, rule.rule)
            for link in map(unescape, HREF.findall(html)):
                if "?" in link and (target := match_rule(app, link, "POST")) is not None:
                    self.links.setdefault(target, _template(link, ids))
                target = match_rule(app, link, "GET")
                if target is not None and not fillable(target, ids):
                    self.other_pages.setdefault(target, _template(link, ids))
        self.crawled = True

    def page_of(self, rule: str, ids: dict) -> str | None:
        """A URL showing the form of POST `rule`, or a GET URL of `rule` that ids alone cannot fill."""
        if rule in self.links:
            return self.links[rule].format(**ids)
        if rule in self.hosts:
            return fill(self.hosts[rule], ids)
        if rule in self.other_pages:
            return self.other_pages[rule].format(**ids)
        return None

    def every_page(self, app: Flask, client: Any, ids: dict) -> list[str]:
        """The URL of every GET page and download of the app, filled with the world's ids."""
        self.crawl(app, client, ids)
        urls = [fill(rule.rule, ids) for rule in GET_RULES if fillable(rule.rule, ids)]
        return urls + [link.format(**ids) for link in self.other_pages.values()]


SITE = SiteMap()


# --- a world with one record of every kind ----------------------------------------------------------


@dataclass
class World:
    """Ids for the URL parts of every route, and the users."""

    ids: dict[str, int | str]
    admin_email: str
    other_email: str
    two_factor: tuple[str, list[str]] | None = None  # a user with two-factor login and its recovery codes


def enrol_two_factor_user() -> tuple[str, list[str]]:
    """A user with two-factor login on, and its recovery codes (Argon2 time, so only where needed)."""
    from crm.auth.models import Role
    from crm.auth.services import create_user
    from crm.auth.two_factor import begin_enrolment, confirm_enrolment
    from tests.helpers import TEST_PASSWORD

    user = create_user(email="zweifaktor@example.org", name="Zora Zweifaktor", role=Role.COACH, password=TEST_PASSWORD)
    codes = confirm_enrolment(user=user, code=pyotp.TOTP(begin_enrolment(user=user)).now())
    db.session.commit()
    return user.email, codes


def build_world(admin: Any) -> World:
    """One record of every kind the forms act on (through the services), committed; admin does the work."""
    from crm.activities.models import ActivityKind
    from crm.activities.services import log_activity
    from crm.api.models import TokenScope
    from crm.api.tokens import create_token
    from crm.auth.models import Role
    from crm.auth.services import create_user, make_reset_token, set_user_active
    from crm.benefits.models import LegalFact
    from crm.contacts.services import create_contact
    from crm.duoday.services import EventInput, ParticipationInput, create_event, create_participation
    from crm.employers.models import Industry, Stage
    from crm.employers.services import EmployerInput, create_employer
    from crm.followups.services import schedule_followup
    from crm.followups.workdays import local_today
    from crm.imports.services import store_upload
    from crm.objections.models import Argument, Objection, Outcome
    from crm.objections.services import record_argument, record_objection
    from crm.placements.models import PlacementType
    from crm.placements.services import PlacementInput, create_placement
    from crm.postings.models import PostingStatus, PostingType
    from crm.postings.services import PostingInput, create_posting
    from crm.referrals.models import Partner, ProviderInvolvement, Referral
    from tests.helpers import TEST_PASSWORD

    today = local_today()
    other = create_user(
        email="kollegin@example.org", name="Karla Kollegin", role=Role.ACQUISITION, password=TEST_PASSWORD
    )
    employer = create_employer(
        data=EmployerInput(name="Bäckerei Müller", postcode="22761", city="Hamburg", owner_id=admin.id), actor=admin
    )
    twin = create_employer(data=EmployerInput(name="Baeckerei Mueller", postcode="22761"), actor=admin)
    contact = create_contact(employer=employer, last_name="Schulz", first_name="Sabine", email="schulz@example.org")
    activity = log_activity(
        employer=employer, kind=ActivityKind.CALL, user=admin, subject="Erstgespräch", contact=contact
    )
    followup = schedule_followup(
        employer=employer, title="Zurückrufen", due_date=today + timedelta(days=3), created_by=admin, assigned_to=admin
    )
    posting = create_posting(
        employer=employer,
        data=PostingInput(title="Küchenhilfe", posting_type=PostingType.INDIVIDUAL, status=PostingStatus.OPEN),
        actor=admin,
    )
    event = create_event(data=EventInput(region="Hamburg", event_date=date(today.year + 1, 5, 21)))
    # A host of last year's DuoDay: the overview then offers to invite it again (the invite form).
    last_year = create_event(data=EventInput(region="Hamburg", event_date=date(today.year - 1, 5, 21)))
    create_participation(employer=twin, data=ParticipationInput(event_id=last_year.id), actor=admin)
    participation = create_participation(
        employer=employer,
        data=ParticipationInput(event_id=event.id, participant_ref="HB-04", job_area="Küche"),
        actor=admin,
    )
    placement = create_placement(
        employer=employer,
        data=PlacementInput(
            participant_ref="GO-12", placement_type=PlacementType.TRIAL, start_date=today - timedelta(days=10)
        ),
        actor=admin,
    )
    objection = db.session.scalars(select(Objection).where(Objection.active.is_(True)).order_by(Objection.id)).first()
    argument = db.session.scalars(select(Argument).where(Argument.active.is_(True)).order_by(Argument.id)).first()
    record = record_objection(employer=employer, objection=objection, actor=admin, note="Was kostet das?")
    use = record_argument(record=record, argument=argument, outcome=Outcome.OPEN, actor=admin)
    partner = db.session.scalars(select(Partner).order_by(Partner.id)).first()
    referral = Referral(
        referred=employer, referrer_employer=twin, referred_on=today, note="Empfohlen", created_by=admin
    )
    involvement = ProviderInvolvement(
        employer_id=employer.id, partner=partner, note="IFD im Gespräch", recorded_by=admin
    )
    db.session.add_all([referral, involvement])
    run = store_upload(filename="firmen.csv", data=b"Firma;PLZ\nTischlerei Holz;20095\n", actor=admin)
    # A colleague who left, still holding a follow-up: the reassign page shows its form only then.
    former = create_user(email="ehemalig@example.org", name="Egon Ehemalig", role=Role.COACH, password=TEST_PASSWORD)
    schedule_followup(employer=twin, title="Nachfassen", due_date=today, created_by=admin, assigned_to=former)
    set_user_active(user=former, active=False)
    token, _secret = create_token(user=admin, name="Fuzz", scope=TokenScope.WRITE)
    db.session.flush()
    ids: dict[str, int | str] = {
        "employer_id": employer.id,
        "contact_id": contact.id,
        "activity_id": activity.id,
        "followup_id": followup.id,
        "posting_id": posting.id,
        "event_id": event.id,
        "participation_id": participation.id,
        "placement_id": placement.id,
        "record_id": record.id,
        "use_id": use.id,
        "entry_id": objection.id,
        "kind": "objections",
        "partner_id": partner.id,
        "referral_id": referral.id,
        "involvement_id": involvement.id,
        "industry_id": db.session.scalars(select(Industry.id).order_by(Industry.id)).first(),
        "stage_id": db.session.scalars(select(Stage.id).order_by(Stage.id)).first(),
        "fact_id": db.session.scalars(select(LegalFact.id).order_by(LegalFact.id)).first(),
        "user_id": other.id,
        "token_id": token.id,
        "import_id": run.id,
        "a": employer.id,
        "b": twin.id,
        "token": make_reset_token(other),
        "key": "funnel",
        "item_id": followup.id,
    }
    db.session.commit()
    return World(ids=ids, admin_email=admin.email, other_email=other.email)
