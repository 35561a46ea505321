"""The seeded objection and argument catalogues (German, editable by admins)."""

from sqlalchemy import select

from crm.extensions import db
from crm.objections.models import Argument, Objection

DEFAULT_OBJECTIONS = [
    "Zweifel an der Leistungsfähigkeit",
    "Angst vor Fehlzeiten",
    "Angst vor dem Kündigungsschutz",
    "Betreuungsaufwand",
    "Haftung, Versicherung und Unfallschutz",
    "Reaktion des Teams",
    "Bürokratie",
    "Kosten",
    "Keine passende Tätigkeit",
    "Barrieren am Arbeitsplatz",
    "Schlechte Erfahrung früher",
]

# name, text to read out or hand over
DEFAULT_ARGUMENTS = [
    (
        "Barrierefreie, offene Unternehmenskultur fördern",
        "Wer Menschen mit Behinderung beschäftigt, baut Barrieren ab – im Kopf und im Betrieb. Davon profitieren alle.",
    ),
    (
        "Motivierte Mitarbeitende aus der Werkstatt (WfbM)",
        "Unsere Beschäftigten wollen arbeiten. Sie kommen gut vorbereitet und mit viel Motivation zu Ihnen.",
    ),
    (
        "Bewusstsein für Beeinträchtigungen und Bedürfnisse der Mitarbeitenden",
        "Ihr Team lernt, auf unterschiedliche Bedürfnisse zu achten – das hilft auch im Umgang miteinander.",
    ),
    ("Vorurteile im Unternehmen abbauen", "Zusammenarbeit im Alltag baut Vorurteile schneller ab als jede Schulung."),
    (
        "Positionierung nach innen und außen als offener, zukunftsfähiger Arbeitgeber",
        "Sie zeigen Mitarbeitenden, Kundschaft und Bewerber*innen: Hier zählt jeder Mensch.",
    ),
    (
        "Chancengleichheit und Teilhabe als strategischer Wert",
        "Teilhabe ist gelebte Verantwortung und passt zu Ihren Zielen für Vielfalt und Nachhaltigkeit.",
    ),
    ("Wettbewerbsvorteil durch Vielfalt", "Vielfalt im Team erreicht vielfältige Kundschaft, Lieferanten und Partner."),
    (
        "Finanzielle Vorteile",
        "Aufträge an die Werkstatt senken die Ausgleichsabgabe; beim Budget für Arbeit gibt es einen Lohnkostenzuschuss.",
    ),
    (
        "Jobcoaching ohne zeitliche Begrenzung",
        "Ein Jobcoach der Werkstatt begleitet Sie und die beschäftigte Person – so lange es nötig ist.",
    ),
    ("Unverbindliche Erprobung", "Sie lernen die Person in einer Erprobung kennen. Es gibt keine Verpflichtung."),
    (
        "Ausgelagerter Arbeitsplatz: Person bleibt bei der Werkstatt beschäftigt und unfallversichert",
        "Auf einem ausgelagerten Arbeitsplatz bleibt die Person Beschäftigte der Werkstatt, mit deren Unfallschutz. "
        "Sie schließen keinen Arbeitsvertrag.",
    ),
    (
        "Rückkehr in die Werkstatt jederzeit möglich",
        "Wenn es nicht passt, kann die Person jederzeit in die Werkstatt zurückkehren.",
    ),
    (
        "Lohnkostenzuschuss über das Budget für Arbeit",
        "Mit dem Budget für Arbeit erhalten Sie einen Zuschuss von bis zu 75 % der Lohnkosten.",
    ),
    (
        "Aufträge an die Werkstatt senken die Ausgleichsabgabe",
        "50 % des Arbeitsanteils von Aufträgen an eine anerkannte Werkstatt können Sie auf die Ausgleichsabgabe anrechnen.",
    ),
]


def seed_objection_catalogues() -> None:
    """Fill an empty objection or argument catalogue with the defaults.

    Only when empty: admins rename and retire entries, and a renamed default must not come back.
    """
    if db.session.scalar(select(Objection.id).limit(1)) is None:
        for position, name in enumerate(DEFAULT_OBJECTIONS, start=1):
            db.session.add(Objection(name=name, position=position * 10))
    if db.session.scalar(select(Argument.id).limit(1)) is None:
        for position, (name, handout) in enumerate(DEFAULT_ARGUMENTS, start=1):
            db.session.add(Argument(name=name, handout=handout, position=position * 10))
    db.session.flush()
