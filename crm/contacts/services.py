"""Contact persons: create, edit with optimistic locking, primary flag, left the company, archive, restore."""

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from crm.contacts.models import Contact
from crm.db import utcnow
from crm.domain import DomainError
from crm.employers.models import Employer
from crm.extensions import db

# The fields a user edits; services accept exactly these.
CONTACT_FIELDS = (
    "salutation",
    "title",
    "first_name",
    "last_name",
    "function",
    "phone",
    "mobile",
    "email",
    "preferred_channel",
    "is_primary",
    "has_left",
    "do_not_contact",
    "notes",
    "data_source",
)


class ContactError(DomainError):
    """A contact change the domain does not allow; `field` names the form field to mark."""


class StaleContactError(ContactError):
    """Someone else saved the contact after the form was loaded; nothing was written."""

    conflict = True

    def __init__(self, contact_id: int) -> None:
        super().__init__(
            _("Someone else has changed this contact in the meantime. Your input has been kept; please check it.")
        )
        self.contact_id = contact_id


def current_contacts(employer_id: int) -> list[Contact]:
    """Contacts that may be picked for new activities: not archived, still at the company; primary first."""
    query = (
        select(Contact)
        .where(Contact.employer_id == employer_id, Contact.archived_at.is_(None), Contact.has_left.is_(False))
        .order_by(Contact.is_primary.desc(), Contact.last_name, Contact.first_name, Contact.id)
    )
    return list(db.session.scalars(query))


def employer_contacts(employer_id: int, *, archived: bool = False) -> list[Contact]:
    """All contacts of an employer (current first, then those who left), or only the archived ones."""
    query = select(Contact).where(Contact.employer_id == employer_id)
    if archived:
        query = query.where(Contact.archived_at.is_not(None)).order_by(Contact.last_name, Contact.id)
    else:
        query = query.where(Contact.archived_at.is_(None)).order_by(
            Contact.has_left, Contact.is_primary.desc(), Contact.last_name, Contact.first_name, Contact.id
        )
    return list(db.session.scalars(query))


def primary_contact(employer_id: int) -> Contact | None:
    """The employer's primary contact, if one is set."""
    query = select(Contact).where(
        Contact.employer_id == employer_id, Contact.is_primary.is_(True), Contact.archived_at.is_(None)
    )
    return db.session.scalar(query)


def create_contact(*, employer: Employer, last_name: str, **details: Any) -> Contact:
    """Add a contact person; the first current contact of an employer becomes its primary contact."""
    _check_fields(details)
    if employer.archived_at is not None:
        raise ContactError(_("This employer is archived. Restore it before adding contacts."))
    if not (last_name or "").strip():
        raise ContactError(_("Please enter the last name."), "last_name")
    wants_primary = bool(details.pop("is_primary", False))
    contact = Contact(employer_id=employer.id, last_name=last_name, **details)
    _check_rules(contact, wants_primary=wants_primary)
    if not wants_primary and not contact.has_left and primary_contact(employer.id) is None:
        wants_primary = True
    db.session.add(contact)
    db.session.flush()
    if wants_primary:
        _make_primary(contact)
    return contact


def update_contact(*, contact: Contact, expected_version: int, changes: Mapping[str, Any]) -> Contact:
    """Save a user's changes unless someone else saved the contact since `expected_version` was read."""
    _check_fields(changes)
    if contact.version != expected_version:
        raise StaleContactError(contact.id)
    wants_primary = bool(changes.get("is_primary", contact.is_primary))
    for key, value in changes.items():
        if key != "is_primary":
            setattr(contact, key, value)
    if not (contact.last_name or "").strip():
        raise ContactError(_("Please enter the last name."), "last_name")
    _check_rules(contact, wants_primary=wants_primary)
    if not wants_primary:
        contact.is_primary = False
    _flush(contact)
    if wants_primary and not contact.is_primary:
        _make_primary(contact)
    return contact


def set_primary_contact(*, contact: Contact) -> Contact:
    """Make `contact` the employer's only primary contact."""
    _check_rules(contact, wants_primary=True)
    _make_primary(contact)
    return contact


def mark_contact_left(*, contact: Contact, has_left: bool = True) -> Contact:
    """Record that the person left the company (kept for the history, hidden from pickers), or undo it."""
    contact.has_left = has_left
    if has_left:
        contact.is_primary = False
    _flush(contact)
    return contact


def archive_contact(*, contact: Contact) -> Contact:
    """Archive a contact (entered by mistake or to be erased later); it stops being the primary contact."""
    if contact.archived_at is None:
        contact.archived_at = utcnow()
        contact.is_primary = False
        _flush(contact)
    return contact


def restore_contact(*, contact: Contact) -> Contact:
    """Bring an archived contact back (admins only; the view checks the role)."""
    if contact.archived_at is not None:
        contact.archived_at = None
        _flush(contact)
    return contact


def _check_fields(values: Mapping[str, Any]) -> None:
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown contact fields: {', '.join(sorted(unknown))}")


def _check_rules(contact: Contact, *, wants_primary: bool) -> None:
    if wants_primary and contact.has_left:
        raise ContactError(_("A person who has left the company cannot be the primary contact."), "is_primary")
    if wants_primary and contact.archived_at is not None:
        raise ContactError(_("An archived contact cannot be the primary contact."), "is_primary")


def _make_primary(contact: Contact) -> None:
    # Clear the old primary first and flush: the partial unique index allows one primary per employer,
    # and the unit of work does not promise to write the two updates in this order.
    others = db.session.scalars(
        select(Contact).where(
            Contact.employer_id == contact.employer_id, Contact.is_primary.is_(True), Contact.id != contact.id
        )
    )
    for other in others:
        other.is_primary = False
    _flush(contact)
    contact.is_primary = True
    _flush(contact)


def _flush(contact: Contact) -> None:
    try:
        db.session.flush()
    except StaleDataError as error:
        # Another transaction saved the row between our read and our write.
        raise StaleContactError(contact.id) from error
