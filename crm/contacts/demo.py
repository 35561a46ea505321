"""Demo contacts (`crm demo`): every demo employer gets a contact person; one has left the company."""

from sqlalchemy import select

from crm.auth.models import Role, User
from crm.contacts.models import Channel, Contact, Salutation
from crm.contacts.services import create_contact, mark_contact_left
from crm.employers.models import Employer
from crm.extensions import db

DEMO_SOURCE = "Demo-Daten (erfunden)"

# Former contacts: kept in the history, hidden from pickers (employer name, salutation, first, last, function).
FORMER_CONTACTS = [
    ("Hotel Fischmarkt Altona", Salutation.MR, "Frank", "Meier", "ehemaliger Personalleiter"),
    ("Elbbäckerei Hansen", Salutation.MS, "Julia", "Brandt", "ehemalige Filialleitung Altona"),
]


def load_demo_contacts(users: dict[Role, User]) -> None:
    """Give contact-less demo employers a contact and add former contacts; safe to run twice."""
    employers = list(db.session.scalars(select(Employer).where(Employer.archived_at.is_(None)).order_by(Employer.id)))
    by_name = {employer.name: employer for employer in employers}
    with_contacts = set(db.session.scalars(select(Contact.employer_id).distinct()))
    for employer in employers:
        if employer.id not in with_contacts:
            create_contact(
                employer=employer,
                last_name="Empfang",
                function="Zentrale",
                phone=employer.phone,
                email=employer.email,
                preferred_channel=Channel.PHONE,
                data_source=DEMO_SOURCE,
            )
    for employer_name, salutation, first, last, function in FORMER_CONTACTS:
        employer = by_name.get(employer_name)
        if employer is None:
            continue
        exists = db.session.scalar(
            select(Contact.id).where(Contact.employer_id == employer.id, Contact.last_name == last)
        )
        if exists:
            continue
        contact = create_contact(
            employer=employer,
            last_name=last,
            first_name=first,
            salutation=salutation,
            function=function,
            phone="040 30998801",
            data_source=DEMO_SOURCE,
            notes="Hat uns an die Nachfolge verwiesen.",
        )
        mark_contact_left(contact=contact)
    db.session.flush()
