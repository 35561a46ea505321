"""Demo activities (`crm demo`): a plausible history per demo employer over the last twelve months.

Logged through log_activity, so each employer's last contact time is right. Reproducible: the random
choices are seeded by the employer's name.
"""

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from crm.activities.models import Activity, ActivityKind
from crm.activities.services import log_activity
from crm.auth.models import Role, User
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.employers.models import Employer
from crm.extensions import db

K = ActivityKind

# (kind, subject, summary, outcome); {person} is the contact's name, {code} a pseudonymous participant code.
FIRST_STEPS = [
    (
        K.CALL,
        "Erstanruf: Angebot der Werkstatt vorgestellt",
        "Kurz erklärt, wie ausgelagerte Arbeitsplätze funktionieren und dass unsere Jobcoaches den Betrieb "
        "begleiten. {person} war offen und bat um schriftliche Informationen.",
        "Infomaterial per E-Mail schicken",
    ),
    (
        K.EMAIL,
        "Infomaterial zu ausgelagerten Arbeitsplätzen geschickt",
        "Flyer, Kurzprofil der Werkstatt und den Ablauf einer Beschäftigungserprobung als PDF verschickt.",
        None,
    ),
    (
        K.LETTER,
        "Anschreiben an die Geschäftsführung",
        "Persönliches Anschreiben mit der Broschüre „Inklusion im Betrieb“ und zwei Praxisbeispielen aus dem Stadtteil.",
        "In zwei Wochen telefonisch nachfassen",
    ),
    (
        K.EVENT,
        "Gespräch am Stand der Inklusionsmesse",
        "Am Messestand ins Gespräch gekommen. Interesse an einfachen, wiederkehrenden Tätigkeiten; "
        "Sorge, dass die Anleitung zu viel Zeit kostet.",
        "Visitenkarte erhalten, Termin telefonisch vereinbaren",
    ),
    (
        K.CALL,
        "Nachgefasst zum Anschreiben",
        "Unterlagen sind angekommen. {person} möchte zuerst mit dem Team sprechen, ob jemand die Anleitung übernimmt.",
        "Rückruf in drei Wochen",
    ),
]
TALKS = [
    (
        K.MEETING,
        "Kennenlerngespräch im Betrieb",
        "Betrieb besichtigt und mögliche Tätigkeiten durchgesprochen. Offene Fragen zu Kündigungsschutz und "
        "Haftung: erklärt, dass Beschäftigte bei der Werkstatt angestellt und versichert bleiben.",
        "Tätigkeitsprofil erstellen und passende Beschäftigte suchen",
    ),
    (
        K.CALL,
        "Rückfragen zu Kosten und Versicherung",
        "Vergütung an die Werkstatt und Unfallversicherung geklärt. {person} fragt nach Fördermöglichkeiten "
        "beim Budget für Arbeit.",
        "Merkblatt Budget für Arbeit schicken",
    ),
    (
        K.EMAIL,
        "Musterkooperationsvertrag verschickt",
        "Vertragsentwurf für einen ausgelagerten Einzelarbeitsplatz und das Merkblatt zum Budget für Arbeit geschickt.",
        None,
    ),
    (
        K.NOTE,
        "Interne Notiz: mögliche Beschäftigte",
        "Zwei Beschäftigte aus dem Berufsbildungsbereich kommen in Frage ({code} und eine weitere Person); "
        "Profilgespräche laufen.",
        None,
    ),
]
OFFER = [
    (
        K.MEETING,
        "Vorstellungsgespräch mit Beschäftigtem {code}",
        "Gespräch mit {person} und der künftigen Anleitung. Gute Stimmung; Arbeitszeit 8 bis 13 Uhr denkbar.",
        "Zeitraum der Beschäftigungserprobung abstimmen",
    ),
    (
        K.CALL,
        "Absprache zum Erprobungszeitraum",
        "Vier Wochen Beschäftigungserprobung vereinbart; Einarbeitung durch eine feste Ansprechperson im Team.",
        "Starttermin schriftlich bestätigen",
    ),
]
TRIAL = [
    (
        K.VISIT,
        "Begleitbesuch in der ersten Erprobungswoche",
        "Einarbeitung läuft gut, {code} ist pünktlich und zuverlässig. Das Team wünscht sich eine klare Aufgabenliste.",
        "Aufgabenliste mit Bildern bis Freitag erstellen",
    ),
    (
        K.VISIT,
        "Reflexionsgespräch zur Erprobung",
        "Zwischenbilanz mit Anleitung und Beschäftigtem: Tempo steigt, Pausenregelung angepasst. "
        "Beide Seiten möchten weitermachen.",
        "Nächster Besuch in vier Wochen",
    ),
]
COOPERATION = [
    (
        K.VISIT,
        "Regelbesuch am Arbeitsplatz",
        "Alles im grünen Bereich. Kleine Reibung im Team wegen Schichtwechsel, mit {person} besprochen und gelöst.",
        None,
    ),
    (
        K.CALL,
        "Kurzer Austausch mit der Anleitung",
        "Urlaubsplanung für den Sommer und eine Vertretung während der Betriebsferien besprochen.",
        "Vertretung im Team klären",
    ),
    (
        K.MEETING,
        "Jahresgespräch zur Kooperation",
        "Zufriedenheit auf beiden Seiten. {person} hat Interesse an einem zweiten Arbeitsplatz im Herbst.",
        "Angebot für einen zweiten Platz vorbereiten",
    ),
    (
        K.VISIT,
        "Besuch mit neuer Kollegin aus dem Jobcoaching",
        "Übergabe an die neue Jobcoachin vorbereitet; Betrieb kennt jetzt beide Ansprechpersonen.",
        None,
    ),
    (
        K.EMAIL,
        "Einladung zum DuoDay weitergeleitet",
        "Infos zum DuoDay geschickt; der Betrieb möchte wieder ein Tandem anbieten.",
        "Anmeldung bis Ende des Monats",
    ),
]
LEAD_NOTE = (
    K.NOTE,
    "Recherche: Betrieb über das Stadtteilnetzwerk gefunden",
    "Hinweis aus dem Stadtteilnetzwerk: der Betrieb sucht Unterstützung bei einfachen Tätigkeiten.",
    "Ansprechperson herausfinden, dann Erstanruf",
)
DORMANT = (
    K.CALL,
    "Nachgefragt: derzeit kein Bedarf",
    "Der Betrieb ist im Umbau und hat keine Kapazität für Anleitung. {person} bittet, sich später wieder zu melden.",
    "In sechs Monaten erneut anfragen",
)
DECLINED = (
    K.CALL,
    "Absage erhalten",
    "{person} hat abgesagt. Die Gründe stehen beim Statuswechsel.",
    None,
)
DO_NOT_CONTACT = (
    K.LETTER,
    "Schriftlicher Widerspruch gegen weitere Ansprache",
    "Die Geschäftsführung wünscht keine weitere Kontaktaufnahme. Status auf „Nicht kontaktieren“ gesetzt.",
    None,
)

# Stage key -> (entries before the stage began, entries since).
PLAN = {
    "lead": ([], [LEAD_NOTE]),
    "first_contact": ([], FIRST_STEPS[:2]),
    "talks": (FIRST_STEPS[:2], TALKS[:3]),
    "offer": (FIRST_STEPS[:2] + TALKS[:2], OFFER),
    "trial": (FIRST_STEPS[2:4] + TALKS[:2] + OFFER[:1], TRIAL),
    "cooperation": (FIRST_STEPS[:1] + TALKS[:1] + OFFER[1:] + TRIAL, COOPERATION),
    "dormant": (FIRST_STEPS[2:5], [DORMANT]),
    "declined": (FIRST_STEPS[:2], [DECLINED]),
    "do_not_contact": (FIRST_STEPS[1:3], [DO_NOT_CONTACT]),
}
COACHED_KINDS = {K.VISIT}
# Stage key -> range of days since the last contact (the demo should show employers due for contact).
QUIET_DAYS = {
    "lead": (0.2, 5),
    "first_contact": (1, 40),
    "talks": (1, 30),
    "offer": (1, 20),
    "trial": (0.5, 10),
    "cooperation": (3, 120),
    "dormant": (30, 200),
}
WINDOW = timedelta(days=365)


def load_demo_activities(users: dict[Role, User]) -> None:
    """Log a history for every demo employer that has none yet; safe to run twice."""
    now = utcnow()
    logged = set(db.session.scalars(select(Activity.employer_id).distinct()))
    query = select(Employer).where(Employer.archived_at.is_(None)).order_by(Employer.id)
    if logged:
        query = query.where(Employer.id.not_in(logged))
    employers = db.session.scalars(query).all()
    contacts = _current_contacts_by_employer()
    for employer in employers:
        plan = PLAN.get(employer.stage.key)
        if plan is None:
            continue
        rng = random.Random(employer.name)  # nosec B311  # reproducible demo timestamps, nothing secret
        before, since = plan
        stage_start = employer.stage_changed_at
        start = max(now - WINDOW, (employer.created_at or stage_start) + timedelta(days=1))
        times_before = _spread(rng, len(before), start, stage_start - timedelta(hours=2))
        if employer.stage.key in ("declined", "do_not_contact"):
            # The answer came the day the stage was set, during office hours.
            answer = stage_start.replace(
                hour=rng.randint(7, 13), minute=rng.choice((5, 20, 35, 50)), second=0, microsecond=0
            )
            times_since = [answer if answer < stage_start else answer - timedelta(days=1)]
        else:
            # Some employers were contacted yesterday, others long ago: the cadence lists get both.
            quiet_days = rng.uniform(*QUIET_DAYS.get(employer.stage.key, (1, 20)))
            end = max(stage_start + timedelta(hours=4), now - timedelta(days=quiet_days))
            times_since = _spread(rng, len(since), max(start, stage_start + timedelta(hours=2)), end)
        people = contacts.get(employer.id, [])
        code = f"{rng.choice('ABCDEFGHKLMNPRST')}{rng.choice('ABCDEFGHKLMNPRST')}-{rng.randint(10, 99)}"
        for (kind, subject, summary, outcome), at in zip(before + since, times_before + times_since, strict=True):
            if at is None or at < now - WINDOW:
                continue
            contact = rng.choice(people) if people and kind != K.NOTE else None
            user = users.get(Role.COACH) if kind in COACHED_KINDS else (employer.owner or users.get(Role.ACQUISITION))
            fill = {"person": contact.full_name if contact else "Die Ansprechperson", "code": code}
            log_activity(
                employer=employer,
                kind=kind,
                user=user,
                occurred_at=at,
                contact=contact,
                subject=subject.format(**fill),
                summary=summary.format(**fill),
                outcome=outcome.format(**fill) if outcome else None,
            )


def _current_contacts_by_employer() -> dict[int, list[Contact]]:
    result: dict[int, list[Contact]] = {}
    query = select(Contact).where(Contact.archived_at.is_(None), Contact.has_left.is_(False))
    for contact in db.session.scalars(query.order_by(Contact.is_primary.desc(), Contact.id)):
        result.setdefault(contact.employer_id, []).append(contact)
    # The primary contact is the usual counterpart: weight it double.
    return {key: people[:1] * 2 + people[1:] for key, people in result.items()}


def _spread(rng: random.Random, count: int, start: datetime, end: datetime) -> list[datetime | None]:
    """`count` ordered moments between start and end, in office hours when there is room; None when not."""
    if count == 0:
        return []
    if end <= start:
        return [None] * count
    office_start, office_end = _into_office_hours(start, later=True), _into_office_hours(end, later=False)
    if office_start < office_end:
        start, end = office_start, office_end
    span = (end - start) / count
    moments = []
    for i in range(count):
        at = start + span * i + span * rng.uniform(0.1, 0.9)
        # Office hours in Hamburg: 07:00-14:59 UTC is 08:00/09:00-15:59/16:59 local.
        at = at.replace(hour=rng.randint(7, 14), minute=rng.choice((0, 10, 15, 30, 40, 45)), second=0, microsecond=0)
        moments.append(min(max(at, start), end).replace(second=0, microsecond=0))
    return sorted(moments)


def _into_office_hours(at: datetime, *, later: bool) -> datetime:
    """The nearest office-hours moment (07:00-14:50 UTC) at or after (`later`) or before `at`."""
    if 7 <= at.hour < 15:
        return at
    if later:
        day = at if at.hour < 7 else at + timedelta(days=1)
        return day.replace(hour=7, minute=0, second=0, microsecond=0)
    day = at if at.hour >= 15 else at - timedelta(days=1)
    return day.replace(hour=14, minute=50, second=0, microsecond=0)
