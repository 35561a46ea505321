"""Legal facts: the figure in force on a day, admin edits and review, and the seeds from FACTS.md."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from crm.auth.models import User
from crm.benefits.calc import RATE_KEYS
from crm.benefits.models import LegalFact
from crm.db import utcnow
from crm.domain import DomainError
from crm.extensions import db

OFFSET_KEY = "workshop_order_offset_percent"
BFA_KEY = "bfa_max_percent"


class LegalFactError(DomainError):
    """A legal fact (levy rate, allowance) that cannot be saved as entered."""


def facts_in_force(on: date) -> dict[str, LegalFact]:
    """For every key the row in force on `on` (latest valid_from not after it; undated rows always apply)."""
    rows = db.session.scalars(select(LegalFact).order_by(LegalFact.key, LegalFact.valid_from)).all()
    result: dict[str, LegalFact] = {}
    for row in rows:
        if row.valid_from is None or row.valid_from <= on:
            current = result.get(row.key)
            if current is None or (current.valid_from or date.min) <= (row.valid_from or date.min):
                result[row.key] = row
    return result


def levy_rates(facts: dict[str, LegalFact]) -> dict[str, Decimal | None]:
    """The monthly levy rates by key for the calculator (None where no figure is entered)."""
    return {key: (facts[key].amount if key in facts else None) for key in RATE_KEYS.values()}


def list_facts() -> list[LegalFact]:
    return list(db.session.scalars(select(LegalFact).order_by(LegalFact.key, LegalFact.valid_from.desc())))


@dataclass
class FactInput:
    key: str
    label: str
    amount: Decimal | None
    unit: str | None
    text: str | None
    valid_from: date | None
    source: str | None
    reviewed: bool


def save_fact(*, fact: LegalFact | None, data: FactInput, actor: User | None) -> LegalFact:
    """Create (fact=None) or change a legal fact; ticking "reviewed" stamps who checked it and when."""
    clash = db.session.scalar(
        select(LegalFact).where(LegalFact.key == data.key, LegalFact.valid_from == data.valid_from)
    )
    if clash is not None and clash is not fact:
        raise LegalFactError(_("This fact already has a figure valid from this date."), "valid_from")
    if data.amount is None and not data.text:
        raise LegalFactError(_("Please enter a figure or the fact in words."), "amount")
    if fact is None:
        fact = LegalFact(key=data.key)
        db.session.add(fact)
    fact.key = data.key
    fact.label = data.label
    fact.amount = data.amount
    fact.unit = data.unit
    fact.text = data.text
    fact.valid_from = data.valid_from
    fact.source = data.source
    if data.reviewed and fact.needs_review:
        fact.reviewed_at = utcnow()
        fact.reviewed_by = actor
    fact.needs_review = not data.reviewed
    db.session.flush()
    return fact


D = Decimal
# key, label, amount, unit, text, valid_from, source
SEED_FACTS = [
    (
        "bfa_max_percent",
        "Budget für Arbeit: Lohnkostenzuschuss",
        D(75),
        "%",
        "bis zu 75 % der Lohnkosten des Arbeitgebers",
        date(2018, 1, 1),
        "SGB IX § 61",
    ),
    (
        "bfa_cap_removed",
        "Budget für Arbeit: Deckel von 40 % der Bezugsgröße",
        None,
        None,
        "entfallen",
        date(2023, 6, 14),
        "Gesetz zur Förderung eines inklusiven Arbeitsmarkts, BGBl. 2023 I Nr. 146",
    ),
    (
        "bfau",
        "Budget für Ausbildung",
        None,
        None,
        "Erstattung der Ausbildungsvergütung plus Anleitung und Begleitung; nur erste reguläre Berufsausbildung",
        date(2020, 1, 1),
        "SGB IX § 61a",
    ),
    (
        "return_to_workshop",
        "Rückkehr in die Werkstatt nach Budget für Arbeit",
        None,
        None,
        "jederzeit möglich",
        date(2018, 1, 1),
        "SGB IX § 220 Abs. 3",
    ),
    (
        "outsourced_workplace",
        "Ausgelagerter Arbeitsplatz",
        None,
        None,
        "Die Person bleibt Beschäftigte der Werkstatt, nicht des Betriebs; das Arbeitnehmerüberlassungsgesetz gilt nicht.",
        None,
        "SGB IX § 219; DGUV Information 207-002",
    ),
    (
        "quota_percent",
        "Beschäftigungspflicht ab 20 Arbeitsplätzen",
        D(5),
        "%",
        "5 % der Arbeitsplätze für schwerbehinderte Menschen",
        None,
        "SGB IX § 154",
    ),
    (
        "levy_ge60_3_5",
        "Ausgleichsabgabe ab 60 Arbeitsplätzen, Quote 3 % bis unter 5 %",
        D(140),
        "EUR",
        None,
        date(2024, 1, 1),
        "SGB IX § 160 in der Fassung von 2023",
    ),
    (
        "levy_ge60_2_3",
        "Ausgleichsabgabe ab 60 Arbeitsplätzen, Quote 2 % bis unter 3 %",
        D(245),
        "EUR",
        None,
        date(2024, 1, 1),
        "SGB IX § 160 in der Fassung von 2023",
    ),
    (
        "levy_ge60_0_2",
        "Ausgleichsabgabe ab 60 Arbeitsplätzen, Quote über 0 % bis unter 2 %",
        D(360),
        "EUR",
        None,
        date(2024, 1, 1),
        "SGB IX § 160 in der Fassung von 2023",
    ),
    (
        "levy_ge60_zero",
        "Ausgleichsabgabe ab 60 Arbeitsplätzen, Quote 0 %",
        D(720),
        "EUR",
        None,
        date(2024, 1, 1),
        "SGB IX § 160 in der Fassung von 2023",
    ),
    (
        "levy_ge60_3_5",
        "Ausgleichsabgabe ab 60 Arbeitsplätzen, Quote 3 % bis unter 5 %",
        D(155),
        "EUR",
        None,
        date(2025, 1, 1),
        "BIH: Bekanntmachung der neuen Beträge (erstmals erhoben im März 2026)",
    ),
    (
        "levy_ge60_2_3",
        "Ausgleichsabgabe ab 60 Arbeitsplätzen, Quote 2 % bis unter 3 %",
        D(275),
        "EUR",
        None,
        date(2025, 1, 1),
        "BIH: Bekanntmachung der neuen Beträge (erstmals erhoben im März 2026)",
    ),
    (
        "levy_ge60_0_2",
        "Ausgleichsabgabe ab 60 Arbeitsplätzen, Quote über 0 % bis unter 2 %",
        D(405),
        "EUR",
        None,
        date(2025, 1, 1),
        "BIH: Bekanntmachung der neuen Beträge (erstmals erhoben im März 2026)",
    ),
    (
        "levy_ge60_zero",
        "Ausgleichsabgabe ab 60 Arbeitsplätzen, Quote 0 %",
        D(815),
        "EUR",
        None,
        date(2025, 1, 1),
        "BIH: Bekanntmachung der neuen Beträge (erstmals erhoben im März 2026)",
    ),
    # Small employers: FACTS.md has no verified 2025 figures; the rows exist so an admin can enter them.
    (
        "levy_lt40_below1",
        "Ausgleichsabgabe 20–39 Arbeitsplätze, weniger als 1 Pflichtplatz besetzt",
        None,
        "EUR",
        "nicht geprüft – bitte eintragen",
        date(2025, 1, 1),
        None,
    ),
    (
        "levy_lt40_zero",
        "Ausgleichsabgabe 20–39 Arbeitsplätze, kein Pflichtplatz besetzt",
        None,
        "EUR",
        "nicht geprüft – bitte eintragen",
        date(2025, 1, 1),
        None,
    ),
    (
        "levy_lt60_below2",
        "Ausgleichsabgabe 40–59 Arbeitsplätze, weniger als 2 Pflichtplätze besetzt",
        None,
        "EUR",
        "nicht geprüft – bitte eintragen",
        date(2025, 1, 1),
        None,
    ),
    (
        "levy_lt60_below1",
        "Ausgleichsabgabe 40–59 Arbeitsplätze, weniger als 1 Pflichtplatz besetzt",
        None,
        "EUR",
        "nicht geprüft – bitte eintragen",
        date(2025, 1, 1),
        None,
    ),
    (
        "levy_lt60_zero",
        "Ausgleichsabgabe 40–59 Arbeitsplätze, kein Pflichtplatz besetzt",
        None,
        "EUR",
        "nicht geprüft – bitte eintragen",
        date(2025, 1, 1),
        None,
    ),
    (
        "workshop_order_offset_percent",
        "Anrechnung von Werkstattaufträgen auf die Ausgleichsabgabe",
        D(50),
        "%",
        "50 % des Arbeitsanteils einer Rechnung einer anerkannten Werkstatt",
        None,
        "SGB IX § 223",
    ),
    (
        "dismissal_protection",
        "Besonderer Kündigungsschutz",
        None,
        None,
        "Kündigung schwerbehinderter Beschäftigter nur mit vorheriger Zustimmung des Integrationsamts; "
        "gilt nicht in den ersten sechs Monaten",
        None,
        "SGB IX § 168, § 173",
    ),
]


def seed_legal_facts() -> None:
    """Add the FACTS.md figures of every key that has no row yet, all marked for review.

    By key, not by row: once a key exists, its figures are the admins' (they edit dates and values).
    """
    existing = set(db.session.scalars(select(LegalFact.key).distinct()))
    for key, label, amount, unit, text, valid_from, source in SEED_FACTS:
        if key in existing:
            continue
        db.session.add(
            LegalFact(
                key=key,
                label=label,
                amount=amount,
                unit=unit,
                text=text,
                valid_from=valid_from,
                source=source,
                needs_review=True,
            )
        )
    db.session.flush()
