"""Demo objections with the arguments tried (`crm demo`): open and resolved ones, and decline reasons."""

from datetime import timedelta

from sqlalchemy import select

from crm.auth.models import Role, User
from crm.db import utcnow
from crm.employers.models import Employer
from crm.extensions import db
from crm.objections.models import Argument, EmployerObjection, Objection, Outcome
from crm.objections.services import record_argument, record_objection

# employer, objection, what they said, days ago, [(argument, outcome)], decline reason
DEMO_OBJECTIONS = [
    (
        "Hotel Fischmarkt Altona",
        "Betreuungsaufwand",
        "Wer leitet die Person im Housekeeping an?",
        20,
        [("Jobcoaching ohne zeitliche Begrenzung", Outcome.PARTLY)],
        False,
    ),
    (
        "Hotel Fischmarkt Altona",
        "Haftung, Versicherung und Unfallschutz",
        "Was ist, wenn etwas passiert?",
        20,
        [
            (
                "Ausgelagerter Arbeitsplatz: Person bleibt bei der Werkstatt beschäftigt und unfallversichert",
                Outcome.RESOLVED,
            )
        ],
        False,
    ),
    (
        "Kita Sternschnuppe Eimsbüttel",
        "Reaktion des Teams",
        "Das Team ist schon sehr belastet.",
        9,
        [("Unverbindliche Erprobung", Outcome.OPEN)],
        False,
    ),
    (
        "Lagerlogistik Billbrook Nord",
        "Zweifel an der Leistungsfähigkeit",
        "Bei uns zählt das Tempo.",
        45,
        [
            ("Motivierte Mitarbeitende aus der Werkstatt (WfbM)", Outcome.PARTLY),
            ("Unverbindliche Erprobung", Outcome.RESOLVED),
        ],
        False,
    ),
    (
        "Lagerlogistik Billbrook Nord",
        "Kosten",
        "Was kostet uns das?",
        30,
        [("Aufträge an die Werkstatt senken die Ausgleichsabgabe", Outcome.RESOLVED)],
        False,
    ),
    (
        "Elbbäckerei Hansen",
        "Angst vor Fehlzeiten",
        "Morgens um vier muss jemand da sein.",
        260,
        [("Jobcoaching ohne zeitliche Begrenzung", Outcome.RESOLVED)],
        False,
    ),
    ("Tischlerei Holzkopf", "Barrieren am Arbeitsplatz", "Die Werkstatt ist im ersten Stock.", 12, [], False),
    (
        "Reinigungsservice Blitzblank Nord",
        "Betreuungsaufwand",
        "Keine Kapazität für Anleitung.",
        60,
        [("Jobcoaching ohne zeitliche Begrenzung", Outcome.NOT_RESOLVED)],
        True,
    ),
    (
        "Fahrradkurier Sternschanze",
        "Haftung, Versicherung und Unfallschutz",
        "Zu gefährlich im Straßenverkehr.",
        90,
        [
            (
                "Ausgelagerter Arbeitsplatz: Person bleibt bei der Werkstatt beschäftigt und unfallversichert",
                Outcome.NOT_RESOLVED,
            )
        ],
        True,
    ),
]


def load_demo_objections(users: dict[Role, User]) -> None:
    """Record the demo objections on employers that have none yet."""
    coach = users.get(Role.COACH) or users.get(Role.ACQUISITION)
    employers = {
        e.name: e
        for e in db.session.scalars(select(Employer).where(Employer.name.in_({r[0] for r in DEMO_OBJECTIONS})))
    }
    done = set(db.session.scalars(select(EmployerObjection.employer_id)))
    objections = {o.name: o for o in db.session.scalars(select(Objection))}
    arguments = {a.name: a for a in db.session.scalars(select(Argument))}
    now = utcnow()
    for name, objection_name, said, days, tried, decline in DEMO_OBJECTIONS:
        employer = employers.get(name)
        if employer is None or employer.id in done or objection_name not in objections:
            continue
        when = now - timedelta(days=days)
        record = record_objection(
            employer=employer,
            objection=objections[objection_name],
            actor=coach,
            note=said,
            raised_at=when,
            is_decline_reason=decline,
        )
        for offset, (argument_name, outcome) in enumerate(tried):
            if argument_name in arguments:
                record_argument(
                    record=record,
                    argument=arguments[argument_name],
                    outcome=outcome,
                    actor=coach,
                    used_at=when + timedelta(days=offset * 3),
                )
    # Re-approach dates for the demo declines that said "in 12 months".
    blitzblank = employers.get("Reinigungsservice Blitzblank Nord")
    if blitzblank is not None and blitzblank.do_not_approach_before is None:
        blitzblank.do_not_approach_before = (now + timedelta(days=300)).date()
    db.session.flush()
