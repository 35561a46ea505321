"""Demo referrals and other providers involved (`crm demo`)."""

from datetime import timedelta

from sqlalchemy import select

from crm.auth.models import Role, User
from crm.db import utcnow
from crm.employers.models import Employer
from crm.extensions import db
from crm.referrals.models import Partner, ProviderInvolvement, Referral

# referred employer, recommending employer or partner, days ago, note
DEMO_REFERRALS = [
    ("Café Kleine Pause", "Elbbäckerei Hansen", 200, "Frau Hansen beliefert das Café und hat uns empfohlen."),
    ("Stadtteilküche Winterhude", "Café Kleine Pause", 80, "Inhaberinnen kennen sich."),
    ("Kita Sternschnuppe Eimsbüttel", "Agentur für Arbeit", 40, "Hinweis vom Arbeitgeberservice."),
    ("Gemüsehof Finkenwerder", "Gartenwerk Ottensen", 25, None),
]
DEMO_PROVIDERS = [
    ("Lagerlogistik Billbrook Nord", "Integrationsfachdienst (IFD)", "Herr Ohlsen vom IFD ist dort im Gespräch")
]


def load_demo_referrals(users: dict[Role, User]) -> None:
    """Create the demo referrals and provider notes that are missing."""
    actor = users.get(Role.ACQUISITION)
    employers = {e.name: e for e in db.session.scalars(select(Employer))}
    partners = {p.name: p for p in db.session.scalars(select(Partner))}
    existing = set(
        db.session.execute(select(Referral.referred_id, Referral.referrer_employer_id, Referral.partner_id)).all()
    )
    now = utcnow()
    for referred_name, referrer_name, days, note in DEMO_REFERRALS:
        referred = employers.get(referred_name)
        referrer, partner = employers.get(referrer_name), partners.get(referrer_name)
        if referred is None or (referrer is None and partner is None):
            continue
        key = (referred.id, referrer.id if referrer else None, partner.id if partner else None)
        if key in existing:
            continue
        db.session.add(
            Referral(
                referred=referred,
                referrer_employer=referrer,
                partner=None if referrer else partner,
                referred_on=(now - timedelta(days=days)).date(),
                note=note,
                created_by=actor,
                created_at=now - timedelta(days=days),
            )
        )
    involved = set(db.session.execute(select(ProviderInvolvement.employer_id, ProviderInvolvement.partner_id)).all())
    for employer_name, partner_name, note in DEMO_PROVIDERS:
        employer, partner = employers.get(employer_name), partners.get(partner_name)
        if employer and partner and (employer.id, partner.id) not in involved:
            db.session.add(ProviderInvolvement(employer_id=employer.id, partner=partner, note=note, recorded_by=actor))
    db.session.flush()
