"""Collect everything stored about a contact person; erase (anonymise) them; find contacts to review.

"Everything" is found generically: the contact row, the audit trail of it, and every row of every
table that points at contacts.id (activities, follow-ups, DuoDay, referrals, and tables added later).
Erasure keeps the employer's history readable: the contact row stays as "Kontakt gelöscht" (so
activities still say with whom, without saying who), personal fields are emptied, the person's name
is removed from the texts of the employer's activities, and the old values are scrubbed from the
audit trail — an audit entry would otherwise keep exactly what was erased.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, exists, func, insert, select, update

from crm.activities.models import Activity
from crm.audit.models import AuditEntry
from crm.audit.services import current_actor_id
from crm.auth.models import User
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.extensions import db
from crm.referencing import referencing_columns

# Stored in the database (not translated): the history reads the same for everyone.
ERASED_NAME = "Kontakt gelöscht"
ERASED_TEXT = "[Kontakt gelöscht]"
PERSONAL_FIELDS = ("salutation", "title", "first_name", "function", "phone", "mobile", "email", "notes", "data_source")
DEFAULT_REVIEW_YEARS = 3


class GdprError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
    db.session.execute(update(Contact).where(Contact.id == contact_id).values(**values))
    _scrub_texts(employer_id, names)
    _scrub_audit(contact_id)
    _audit(contact_id, "erase", {"reason": reason[:500]}, actor)
    db.session.expire_all()


def _scrub_texts(employer_id: int, names: list[str]) -> None:
    if not names:
        return
    pattern = re.compile("|".join(rf"\b{re.escape(n)}\b" for n in sorted(names, key=len, reverse=True)), re.I)
    activities = db.session.execute(
        select(Activity.id, Activity.subject, Activity.summary, Activity.outcome).where(
            Activity.employer_id == employer_id
        )
    ).all()
    for row in activities:
        changed = {
            key: pattern.sub(ERASED_TEXT, value)
            for key, value in (("subject", row.subject), ("summary", row.summary), ("outcome", row.outcome))
            if value and pattern.search(value)
        }
        if changed:
            changed["subject"] = changed.get("subject", row.subject)[:200]
            db.session.execute(update(Activity).where(Activity.id == row.id).values(**changed))


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
