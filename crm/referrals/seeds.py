"""The seeded network-partner catalogue (German, editable by admins)."""

from sqlalchemy import select

from crm.extensions import db
from crm.referrals.models import Partner, PartnerKind

DEFAULT_PARTNERS = [
    ("Agentur für Arbeit", PartnerKind.EMPLOYMENT_AGENCY),
    ("Integrationsamt", PartnerKind.INTEGRATION_OFFICE),
    ("Handelskammer", PartnerKind.CHAMBER),
    ("Handwerkskammer", PartnerKind.CHAMBER),
    ("Integrationsfachdienst (IFD)", PartnerKind.PROVIDER),
    ("Andere Werkstatt (WfbM)", PartnerKind.PROVIDER),
    ("Schule", PartnerKind.SCHOOL),
    ("Verband", PartnerKind.ASSOCIATION),
]


def seed_partners() -> None:
    """Fill an empty partner catalogue with the defaults (only when empty: renamed entries must not come back)."""
    if db.session.scalar(select(Partner.id).limit(1)) is None:
        for name, kind in DEFAULT_PARTNERS:
            db.session.add(Partner(name=name, kind=kind))
    db.session.flush()
