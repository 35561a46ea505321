"""Demo DuoDays, job postings and placements (`crm demo`) for the demo employers; every record is invented."""

from datetime import date, timedelta

from sqlalchemy import select

from crm.auth.models import Role, User
from crm.duoday.models import DuoDayEvent, ParticipationOutcome, ParticipationStatus
from crm.duoday.services import EventInput, ParticipationInput, create_event, create_participation
from crm.employers.models import Employer
from crm.extensions import db
from crm.followups.workdays import local_today
from crm.placements.models import Placement, PlacementOutcome, PlacementType
from crm.placements.services import PlacementInput, create_placement, end_placement
from crm.postings.models import JobPosting, PostingStatus, PostingType
from crm.postings.services import PostingInput, create_posting
from crm.sites.models import Site


def _employers() -> dict[str, Employer]:
    return {e.name: e for e in db.session.scalars(select(Employer).where(Employer.archived_at.is_(None)))}


def load_demo_duoday(users: dict[Role, User]) -> None:
    """DuoDays of last, this and next year with hosts; skipped when any DuoDay exists."""
    if db.session.scalar(select(DuoDayEvent.id).limit(1)) is not None:
        return
    employers = _employers()
    coach = users.get(Role.COACH)
    today = local_today()
    year = today.year
    events = {}
    for offset in (-1, 0, 1):
        day = date(year + offset, 5, 21)
        deadline = day - timedelta(days=21)
        if offset == 1 and deadline < today:
            deadline = min(day, today + timedelta(days=30))
        events[offset] = create_event(
            data=EventInput(
                region="Hamburg", event_date=day, organiser="DuoDay-Netzwerk Hamburg", registration_deadline=deadline
            )
        )
    plan = [
        (-1, "Elbbäckerei Hansen", "HB-04", "Verkauf", ParticipationStatus.DONE, ParticipationOutcome.TASTER),
        (-1, "Gartenwerk Ottensen", "GO-11", "Grünpflege", ParticipationStatus.DONE, ParticipationOutcome.NONE),
        (0, "Gartenwerk Ottensen", "GO-12", "Grünpflege", ParticipationStatus.DONE, ParticipationOutcome.TRIAL),
        (
            0,
            "Hotel Fischmarkt Altona",
            "HF-02",
            "Housekeeping",
            ParticipationStatus.CANCELLED,
            ParticipationOutcome.NONE,
        ),
        (
            1,
            "Kita Sternschnuppe Eimsbüttel",
            "KS-01",
            "Küche",
            ParticipationStatus.REQUESTED,
            ParticipationOutcome.NONE,
        ),
    ]
    for offset, name, ref, area, status, outcome in plan:
        employer = employers.get(name)
        if employer is None:
            continue
        create_participation(
            employer=employer,
            data=ParticipationInput(
                event_id=events[offset].id,
                participant_ref=ref,
                coach_id=coach.id if coach else None,
                job_area=area,
                status=status,
                outcome=outcome,
                feedback="Gute Anleitung durch die Kollegin, gerne wieder."
                if status == ParticipationStatus.DONE
                else None,
            ),
            actor=coach,
        )


def load_demo_postings(users: dict[Role, User]) -> None:
    """Two job postings, one on a notice board; skipped when any posting exists."""
    if db.session.scalar(select(JobPosting.id).limit(1)) is not None:
        return
    employers = _employers()
    acquisition = users.get(Role.ACQUISITION)
    site = db.session.scalar(select(Site).order_by(Site.id).limit(1))
    today = local_today()
    hotel = employers.get("Hotel Fischmarkt Altona")
    if hotel is not None:
        create_posting(
            employer=hotel,
            data=PostingInput(
                title="Mitarbeit im Housekeeping",
                posting_type=PostingType.INDIVIDUAL,
                status=PostingStatus.OPEN,
                places=1,
                hours_per_week=25,
                district=hotel.district,
                start_date=today + timedelta(days=45),
                application_deadline=today + timedelta(days=21),
                description="Zimmer vorbereiten, Wäsche sortieren, Flure reinigen. Feste Ansprechpartnerin im Team.",
                requirements="Freude an ordentlicher Arbeit, Frühschicht ab 7 Uhr.",
                poster_text="Sie machen Zimmer schön.\nSie sortieren Wäsche.\nSie arbeiten im Team.",
                contact_user_id=acquisition.id if acquisition else None,
                board_site_id=site.id if site else None,
                displayed_until=today + timedelta(days=21) if site else None,
            ),
            actor=acquisition,
        )
    warehouse = employers.get("Lagerlogistik Billbrook Nord")
    if warehouse is not None:
        create_posting(
            employer=warehouse,
            data=PostingInput(
                title="Außenarbeitsgruppe Kommissionierung",
                posting_type=PostingType.GROUP,
                status=PostingStatus.DRAFT,
                places=4,
                hours_per_week=30,
                district=warehouse.district,
            ),
            actor=acquisition,
        )


def load_demo_placements(users: dict[Role, User]) -> None:
    """A finished and a running placement (with an open safety item); skipped when any placement exists."""
    if db.session.scalar(select(Placement.id).limit(1)) is not None:
        return
    employers = _employers()
    coach = users.get(Role.COACH)
    today = local_today()
    bakery = employers.get("Elbbäckerei Hansen")
    if bakery is not None:
        placement = create_placement(
            employer=bakery,
            data=PlacementInput(
                participant_ref="HB-04",
                placement_type=PlacementType.TRIAL,
                start_date=today - timedelta(days=300),
                coach_id=coach.id if coach else None,
                mentor_name="Frau Hansen (Inhaberin)",
                safety_instruction_done=True,
                protective_equipment_agreed=True,
                occupational_checkup_agreed=True,
                risk_assessment_date=today - timedelta(days=305),
            ),
            actor=coach,
        )
        end_placement(
            placement=placement,
            end_date=today - timedelta(days=200),
            outcome=PlacementOutcome.PERMANENT_MOVE,
            reason=None,
            actor=coach,
        )
    garden = employers.get("Gartenwerk Ottensen")
    if garden is not None:
        create_placement(
            employer=garden,
            data=PlacementInput(
                participant_ref="GO-12",
                placement_type=PlacementType.TRIAL,
                start_date=today - timedelta(days=20),
                coach_id=coach.id if coach else None,
                mentor_name="Herr Petersen (Vorarbeiter)",
                safety_instruction_done=True,
                protective_equipment_agreed=False,
                occupational_checkup_agreed=True,
            ),
            actor=coach,
        )
