"""Demo follow-ups (`crm demo`): overdue, due today and later ones for the demo users, so the follow-up
page is filled and `crm send-reminders` sends real digests. Runs after the employer and activity loaders."""

from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.auth.models import Role, User
from crm.employers.models import Employer, Stage
from crm.extensions import db
from crm.followups.models import FollowUp, Priority, RepeatUnit
from crm.followups.services import complete_followup, schedule_followup
from crm.followups.workdays import local_today

# (days from today, title, due time, priority, repeat every N months, already done)
PLANS: dict[Role, list[tuple[int, str, time | None, Priority, int | None, bool]]] = {
    Role.ACQUISITION: [
        (-6, "Angebot für den Außenarbeitsplatz nachfassen", None, Priority.HIGH, None, False),
        (-2, "Rückruf wegen Probearbeit in der Küche", time(9, 30), Priority.NORMAL, None, False),
        (-1, "Stellenbeschreibung anfordern", None, Priority.NORMAL, None, False),
        (0, "Termin für Betriebsbesichtigung vereinbaren", time(10, 30), Priority.HIGH, None, False),
        (0, "Einladung zum DuoDay schicken", None, Priority.NORMAL, None, False),
        (2, "Infomaterial zum Budget für Arbeit senden", None, Priority.LOW, None, False),
        (4, "Kurz nachfragen, ob die Geschäftsführung entschieden hat", None, Priority.NORMAL, None, False),
        (16, "Kontakt halten: kurzer Anruf", None, Priority.NORMAL, 3, False),
        (40, "Sommerfest-Einladung persönlich vorbeibringen", None, Priority.LOW, None, False),
        (-9, "Erstgespräch vorbereiten", None, Priority.NORMAL, None, True),
    ],
    Role.COACH: [
        (-1, "Reflexionsgespräch zur Erprobung vorbereiten", None, Priority.HIGH, None, False),
        (0, "Besuch am Arbeitsplatz", time(13, 0), Priority.NORMAL, None, False),
        (7, "Zwischenbilanz mit der Anleitung vor Ort", None, Priority.NORMAL, None, False),
        (30, "Regelbesuch beim Kooperationsbetrieb", None, Priority.NORMAL, 1, False),
    ],
    Role.ADMIN: [
        (-3, "Kooperationsvertrag gegenzeichnen lassen", None, Priority.HIGH, None, False),
        (0, "Ansprechperson für den Jahresbericht anfragen", None, Priority.NORMAL, None, False),
    ],
}
# Which stages each user's demo follow-ups are about: acquisition works leads, coaches the placements.
STAGES = {
    Role.ACQUISITION: ("first_contact", "talks", "offer", "lead", "dormant"),
    Role.COACH: ("trial", "cooperation"),
    Role.ADMIN: ("cooperation", "offer", "talks"),
}


def load_demo_followups(users: dict[Role, User]) -> None:
    """Give the demo users their follow-ups unless they have some already (safe to run twice)."""
    today = local_today()
    for role, plans in PLANS.items():
        user = users.get(role)
        if user is None or _has_demo_followups(user, [plan[1] for plan in plans]):
            continue
        employers = _employers_for(role, user)
        if not employers:
            continue
        for index, (days, title, at, priority, months, done) in enumerate(plans):
            employer = employers[index % len(employers)]
            _plan(employer, user, today, days, title, at, priority, months, done)
    db.session.flush()


def _has_demo_followups(user: User, titles: list[str]) -> bool:
    # Other domains' demos may give the user follow-ups too; ours are known by their titles.
    query = select(FollowUp.id).where(FollowUp.assigned_to_id == user.id, FollowUp.title.in_(titles)).limit(1)
    return db.session.scalar(query) is not None


def _employers_for(role: Role, user: User) -> list[Employer]:
    stage_keys = STAGES[role]
    query = (
        select(Employer)
        .join(Stage, Stage.id == Employer.stage_id)
        .where(Stage.key.in_(stage_keys), Stage.blocks_contact.is_(False), Employer.archived_at.is_(None))
        .options(selectinload(Employer.contacts))
        .order_by(Employer.name)
    )
    if role == Role.ACQUISITION:
        query = query.where(Employer.owner_id == user.id)
    return list(db.session.scalars(query))


def _plan(
    employer: Employer,
    user: User,
    today: date,
    days: int,
    title: str,
    at: time | None,
    priority: Priority,
    months: int | None,
    done: bool,
) -> None:
    contact = next((c for c in employer.contacts if c.is_current and not c.do_not_contact), None)
    followup = schedule_followup(
        employer=employer,
        title=title,
        due_date=today + timedelta(days=days),
        due_time=at,
        priority=priority,
        contact=contact,
        created_by=user,
        assigned_to=user,
        repeat_every=months,
        repeat_unit=RepeatUnit.MONTHS if months else None,
        today=today + timedelta(days=min(days, 0)),
    )
    if done:
        complete_followup(followup=followup, by=user, today=today)
