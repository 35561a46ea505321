"""Spreadsheet exports offered next to the import: the contact persons of all current employers."""

from collections.abc import Iterator
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm.contacts.models import Contact
from crm.employers.models import Employer
from crm.extensions import db

CONTACT_COLUMNS = (
    ("employer", _l("Employer")),
    ("postcode", _l("Postcode")),
    ("city", _l("City")),
    ("salutation", _l("Salutation")),
    ("title", _l("Academic title")),
    ("first_name", _l("First name")),
    ("last_name", _l("Last name")),
    ("function", _l("Function")),
    ("phone", _l("Phone")),
    ("mobile", _l("Mobile")),
    ("email", _l("E-mail")),
    ("preferred_channel", _l("Preferred channel")),
    ("is_primary", _l("Primary contact")),
    ("has_left", _l("Has left the company")),
    ("do_not_contact", _l("Do not contact")),
    ("data_source", _l("Origin of the data")),
)


def contact_export_header() -> list[str]:
    return [str(label) for _key, label in CONTACT_COLUMNS]


def contact_export_rows(batch_size: int = 1000) -> Iterator[list[Any]]:
    """Current contacts of current employers, by employer and name; streamed in batches."""
    query = (
        select(Contact, Employer.name, Employer.postcode, Employer.city)
        .join(Employer, Employer.id == Contact.employer_id)
        .where(Contact.archived_at.is_(None), Employer.archived_at.is_(None))
        .order_by(Employer.normalized_name, Employer.id, Contact.last_name, Contact.id)
        .execution_options(yield_per=batch_size)
    )
    for contact, employer, postcode, city in db.session.execute(query):
        yield [
            employer,
            postcode,
            city,
            contact.salutation.label if contact.salutation else None,
            contact.title,
            contact.first_name,
            contact.last_name,
            contact.function,
            contact.phone,
            contact.mobile,
            contact.email,
            contact.preferred_channel.label if contact.preferred_channel else None,
            contact.is_primary,
            contact.has_left,
            contact.do_not_contact,
            contact.data_source,
        ]
