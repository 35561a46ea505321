"""The seeded catalogues of the employer domain: stages and industries (German, editable later)."""

from sqlalchemy import select

from crm.employers.models import Industry, Stage, StageKind
from crm.extensions import db

# key, German name, kind, requires a reason, blocks contact, contact cadence in days
DEFAULT_STAGES = [
    ("lead", "Recherche", StageKind.PIPELINE, False, False, None),
    ("first_contact", "Erstkontakt", StageKind.PIPELINE, False, False, 30),
    ("talks", "Im Gespräch", StageKind.PIPELINE, False, False, 14),
    ("offer", "Termin/Angebot", StageKind.PIPELINE, False, False, 14),
    ("trial", "Erprobung läuft", StageKind.PIPELINE, False, False, 14),
    ("cooperation", "Kooperation", StageKind.PIPELINE, False, False, 90),
    ("dormant", "Ruhend", StageKind.SIDE, False, False, 180),
    ("declined", "Abgelehnt", StageKind.SIDE, True, False, None),
    ("do_not_contact", "Nicht kontaktieren", StageKind.SIDE, False, True, None),
]

DEFAULT_INDUSTRIES = [
    "Gastronomie",
    "Einzelhandel",
    "Lager/Logistik",
    "Garten- und Landschaftsbau",
    "Hotel",
    "Pflege",
    "Kita",
    "Handwerk",
    "Büro/Verwaltung",
    "Reinigung",
    "Landwirtschaft/Pferdehof",
    "IT",
    "Industrie/Produktion",
    "Lebensmittelherstellung",
    "Hauswirtschaft",
    "Kfz/Werkstatt",
    "Gesundheitswesen",
    "Kultur/Museum",
    "Öffentlicher Dienst",
    "Sport/Freizeit",
    "Tierpflege",
    "Wäscherei",
    "Bildung/Schule",
]


def seed_stages() -> None:
    """Add the default stages that are missing (by key); never touch edited ones."""
    existing = set(db.session.scalars(select(Stage.key)))
    for position, (key, name, kind, requires_reason, blocks, cadence) in enumerate(DEFAULT_STAGES):
        if key not in existing:
            db.session.add(
                Stage(
                    key=key,
                    name=name,
                    position=position,
                    kind=kind,
                    requires_reason=requires_reason,
                    blocks_contact=blocks,
                    cadence_days=cadence,
                )
            )
    db.session.flush()


def seed_industries() -> None:
    """Add the default industries when the catalogue is empty."""
    if db.session.scalar(select(Industry.id).limit(1)) is None:
        db.session.add_all(Industry(name=name) for name in DEFAULT_INDUSTRIES)
        db.session.flush()
