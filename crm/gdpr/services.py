"""Collect everything stored about a contact person; erase (anonymise) them; find contacts to review.

"Everything" is found generically: the contact row, the audit trail of it, and every row of every
table that points at contacts.id (activities, follow-ups, DuoDay, referrals, and tables added later).
Erasure keeps the employer's history readable: the contact row stays as "Kontakt gelöscht" (so
activities still say with whom, without saying who), personal fields are emptied, the person's name
is removed from every free-text field of the rows tied to the employer or the person (found from the
foreign keys, so domains added later are covered), from their audit entries and from queued or sent mails,
and the contact's old values are scrubbed from the audit trail — an audit entry would otherwise keep
exactly what was erased.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import Enum, Select, String, Text, and_, exists, func, insert, literal, or_, select, update

from crm.activities.models import Activity
from crm.audit.models import AuditEntry
from crm.audit.services import current_actor_id
from crm.auth.models import User
from crm.contacts.models import Contact
from crm.db import unicode_lower, utcnow
from crm.domain import DomainError
from crm.extensions import db
from crm.mail import OutboxMessage
from crm.referencing import referencing_columns

# Stored in the database (not translated): the history reads the same for everyone.
ERASED_NAME = "Kontakt gelöscht"
ERASED_TEXT = "[Kontakt gelöscht]"
PERSONAL_FIELDS = ("salutation", "title", "first_name", "function", "phone", "mobile", "email", "notes", "data_source")
DEFAULT_REVIEW_YEARS = 3


class GdprError(DomainError):
    """A data-protection request that cannot be carried out."""


def is_erased(contact: Contact) -> bool:
    return contact.last_name == ERASED_NAME and contact.first_name is None


def _json(value: Any) -> Any:
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _row_dict(table, row) -> dict[str, Any]:
    return {column.name: _json(value) for column, value in zip(table.columns, row, strict=True)}


@dataclass
class ContactReport:
    contact: Contact
    data: dict[str, Any]


def collect_contact_data(contact: Contact) -> dict[str, Any]:
    """Everything stored about the contact, as JSON-ready data (Art. 15)."""
    contact_table = Contact.__table__
    own = db.session.execute(select(contact_table).where(contact_table.c.id == contact.id)).one()
    related: dict[str, list[dict[str, Any]]] = {}
    for column in referencing_columns("contacts"):
        table = column.table
        if table.name == "employer_search":
            continue
        rows = db.session.execute(select(table).where(column == contact.id)).all()
        if rows:
            related.setdefault(table.name, []).extend(_row_dict(table, row) for row in rows)
    audit = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "contacts", AuditEntry.entity_id == contact.id)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return {
        "subject": "DSGVO Art. 15 – Auskunft über gespeicherte Daten",
        "generated_at": utcnow().isoformat(),
        "controller_note": "Inklusiv-CRM der Werkstatt; Zweck: Kontaktpflege zur Arbeitgeberakquise.",
        "contact": _row_dict(contact_table, own),
        "employer": {"id": contact.employer.id, "name": contact.employer.name},
        "related_records": related,
        "change_history": [
            {"at": e.at.isoformat(), "action": e.action, "changes": e.changes, "by_user_id": e.user_id} for e in audit
        ],
    }


def log_contact_export(*, contact: Contact, actor: User | None) -> None:
    """Record that an Art. 15 export was made (who, when), without personal data."""
    _audit(contact.id, "gdpr_export", {}, actor)


def erase_contact(*, contact: Contact, reason: str, actor: User | None) -> None:
    """Anonymise the contact (Art. 17) and scrub their data from activity texts and the audit trail."""
    if is_erased(contact):
        raise GdprError(_("This contact person has already been erased."))
    reason = (reason or "").strip()
    if not reason:
        raise GdprError(_("Please give the reason for the erasure, e.g. the person's request of 12.03.2025."))
    names = [
        n
        for n in {
            contact.full_name,
            " ".join(p for p in (contact.first_name, contact.last_name) if p),
            contact.last_name,
            contact.email,
        }
        if n and len(n) >= 3
    ]
    contact_id, employer_id, version = contact.id, contact.employer_id, contact.version
    # Core UPDATEs: the ORM audit listener would write the old values into a new audit entry.
    values = {name: None for name in PERSONAL_FIELDS}
    values.update(
        last_name=ERASED_NAME,
        is_primary=False,
        has_left=True,
        do_not_contact=True,
        archived_at=contact.archived_at or utcnow(),
        updated_at=utcnow(),
        version=version + 1,
    )
    tied = _tied_rows(employer_id, contact_id)
    employer_name = contact.employer.name
    scrubber = _NameScrubber(names, employer_name)
    db.session.execute(update(Contact).where(Contact.id == contact_id).values(**values))
    _scrub_texts(scrubber, tied)
    _scrub_other_audit(scrubber, tied)
    _scrub_outbox(scrubber, names, employer_name)
    _scrub_audit(contact_id)
    _audit(contact_id, "erase", {"reason": reason[:500]}, actor)
    db.session.expire_all()


# Structured columns of the rows that are scrubbed: an address, a name of another person or a code is never
# rewritten, even when it happens to contain the erased person's name. Enum columns are skipped by type.
STRUCTURED_COLUMNS = {
    "employers": {
        "name",
        "normalized_name",
        "legal_form",
        "size_class",
        "street",
        "postcode",
        "city",
        "district",
        "phone",
        "email",
        "website",
        "source",
    },
    "contacts": {
        "salutation",
        "title",
        "first_name",
        "last_name",
        "function",
        "phone",
        "mobile",
        "email",
        "preferred_channel",
        "data_source",
    },
}
# Tables handled on their own (the search index follows its triggers; audit and outbox below) or without free text.
NOT_SCRUBBED = {"employer_search", "audit_entries", "outbox_messages", "users", "api_tokens", "login_attempts"}


class _NameScrubber:
    """Replace the erased person's names in free text, but never inside the employer's own name.

    "Bäckerei Müller" stays readable when Frau Müller is erased; "Anruf bei Frau Müller" loses her name.
    """

    def __init__(self, names: list[str], employer_name: str) -> None:
        variants = {v for n in names for v in (n, str(escape(n)))}
        self.pattern = re.compile(
            "|".join(rf"(?<!\w){re.escape(v)}(?!\w)" for v in sorted(variants, key=len, reverse=True)), re.I
        )
        protected = {employer_name, str(escape(employer_name))} if employer_name else set()
        self.protected = re.compile("|".join(re.escape(p) for p in protected), re.I) if protected else None

    def text(self, value: str) -> str:
        if not value or not self.pattern.search(value):
            return value
        keep = [m.span() for m in self.protected.finditer(value)] if self.protected else []

        def replace(match: re.Match) -> str:
            start, end = match.span()
            inside = any(a <= start and end <= b for a, b in keep)
            return match.group(0) if inside else ERASED_TEXT

        return self.pattern.sub(replace, value)

    def value(self, value: Any) -> Any:
        """Scrub strings anywhere in a JSON-like value (audit changes hold lists and nested dicts)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value


def _free_text_columns(table) -> list:
    skip = STRUCTURED_COLUMNS.get(table.name, set())
    return [
        column
        for column in table.columns
        if isinstance(column.type, String | Text)
        and not isinstance(column.type, Enum)
        and column.name not in skip
        and not column.primary_key
    ]


def _tied_rows(employer_id: int, contact_id: int) -> dict[str, Select]:
    """Per table, a SELECT of the ids of rows that belong to the employer or the contact.

    Found from the foreign keys: rows pointing at the employer or the contact, then rows pointing at those
    (an argument used in an objection record, a phase of a placement). Tables added later are included.
    """
    tied: dict[str, Select] = {"employers": select(literal(employer_id).label("id"))}
    first_level = {}
    for table in db.metadata.sorted_tables:
        if table.name in NOT_SCRUBBED or "id" not in table.c:
            continue
        conditions = [
            fk.parent == (employer_id if fk.column.table.name == "employers" else contact_id)
            for fk in table.foreign_keys
            if fk.column.table.name in ("employers", "contacts") and fk.column.name == "id"
        ]
        if conditions:
            first_level[table.name] = select(table.c.id).where(or_(*conditions))
    tied.update(first_level)
    for table in db.metadata.sorted_tables:
        if table.name in NOT_SCRUBBED or table.name in tied or "id" not in table.c:
            continue
        conditions = [
            fk.parent.in_(first_level[fk.column.table.name])
            for fk in table.foreign_keys
            if fk.column.table.name in first_level and fk.column.name == "id"
        ]
        if conditions:
            tied[table.name] = select(table.c.id).where(or_(*conditions))
    return tied


def _scrub_texts(scrubber: _NameScrubber, tied: dict[str, Select]) -> None:
    """Core UPDATEs of every free-text column of the tied rows that mentions the person."""
    for table_name, ids in tied.items():
        table = db.metadata.tables[table_name]
        columns = _free_text_columns(table)
        if not columns:
            continue
        rows = db.session.execute(select(table.c.id, *columns).where(table.c.id.in_(ids))).all()
        for row in rows:
            changed = {}
            for column, value in zip(columns, row[1:], strict=True):
                scrubbed = scrubber.text(value) if isinstance(value, str) else value
                if scrubbed != value:
                    length = getattr(column.type, "length", None)
                    changed[column.name] = scrubbed[:length] if length else scrubbed
            if changed:
                if "version" in table.c:
                    # An edit form opened before the erasure must not write the old text back.
                    changed["version"] = table.c.version + 1
                db.session.execute(update(table).where(table.c.id == row.id).values(**changed))


def _scrub_other_audit(scrubber: _NameScrubber, tied: dict[str, Select]) -> None:
    """The change history of the tied rows holds old texts too; scrub them in the decoded JSON.

    Decoded in Python, not matched in SQL: JSON may store "Müller" as "M\\u00fcller".
    """
    for table_name, ids in tied.items():
        entries = db.session.execute(
            select(AuditEntry.id, AuditEntry.changes).where(
                AuditEntry.entity_type == table_name, AuditEntry.entity_id.in_(ids)
            )
        ).all()
        structured = STRUCTURED_COLUMNS.get(table_name, set())
        for entry_id, changes in entries:
            changes = changes or {}
            scrubbed = {key: value if key in structured else scrubber.value(value) for key, value in changes.items()}
            if scrubbed != changes:
                db.session.execute(update(AuditEntry).where(AuditEntry.id == entry_id).values(changes=scrubbed))


def _scrub_outbox(scrubber: _NameScrubber, names: list[str], employer_name: str) -> None:
    """Mails (digests, reminders) that name the person and the employer keep neither the person's name."""
    mentions_person = or_(
        *(
            unicode_lower(column).contains(name.lower(), autoescape=True)
            for name in names
            for column in (OutboxMessage.subject, OutboxMessage.body_text)
        )
    )
    mentions_employer = or_(
        unicode_lower(OutboxMessage.body_text).contains(employer_name.lower(), autoescape=True),
        unicode_lower(OutboxMessage.subject).contains(employer_name.lower(), autoescape=True),
    )
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.subject, OutboxMessage.body_text, OutboxMessage.body_html).where(
            mentions_person, mentions_employer
        )
    ).all()
    for row in rows:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(
                subject=scrubber.text(row.subject)[:250],
                body_text=scrubber.text(row.body_text),
                body_html=scrubber.text(row.body_html) if row.body_html else row.body_html,
            )
        )


def _scrub_audit(contact_id: int) -> None:
    entries = db.session.execute(
        select(AuditEntry.id, AuditEntry.changes).where(
            AuditEntry.entity_type == "contacts", AuditEntry.entity_id == contact_id
        )
    ).all()
    for entry_id, changes in entries:
        scrubbed = {
            key: (
                ["[gelöscht]" if v is not None else None for v in value]
                if key in (*PERSONAL_FIELDS, "last_name")
                else value
            )
            for key, value in (changes or {}).items()
        }
        db.session.execute(update(AuditEntry).where(AuditEntry.id == entry_id).values(changes=scrubbed))


def _audit(contact_id: int, action: str, changes: dict[str, Any], actor: User | None) -> None:
    db.session.execute(
        insert(AuditEntry),
        [
            {
                "at": utcnow(),
                "user_id": actor.id if actor else current_actor_id(),
                "entity_type": "contacts",
                "entity_id": contact_id,
                "action": action,
                "changes": changes,
            }
        ],
    )


def review_query(*, years: int, now: dt.datetime | None = None) -> Select:
    """Contacts (not erased) without an activity for `years` years, and not added within that time."""
    cutoff = (now or utcnow()) - dt.timedelta(days=365 * years)
    recent = exists().where(and_(Activity.contact_id == Contact.id, Activity.occurred_at >= cutoff))
    return (
        select(Contact)
        .where(Contact.created_at < cutoff, ~recent, Contact.last_name != ERASED_NAME)
        .order_by(Contact.last_name, Contact.first_name, Contact.id)
    )


def last_activity_dates(contact_ids: list[int]) -> dict[int, dt.datetime]:
    """Newest activity per contact, for one page of the review list (one query)."""
    if not contact_ids:
        return {}
    rows = db.session.execute(
        select(Activity.contact_id, func.max(Activity.occurred_at))
        .where(Activity.contact_id.in_(contact_ids))
        .group_by(Activity.contact_id)
    )
    return dict(rows.all())
