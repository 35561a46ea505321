"""Factories for DuoDay, posting and placement tests: they go through the services and commit."""

from datetime import date, timedelta

from crm.duoday.models import ParticipationOutcome, ParticipationStatus
from crm.duoday.services import EventInput, ParticipationInput, create_event, create_participation
from crm.extensions import db
from crm.followups.workdays import local_today
from crm.placements.models import PlacementType
from crm.placements.services import PlacementInput, create_placement
from crm.postings.models import PostingStatus, PostingType
from crm.postings.services import PostingInput, create_posting

ALL_ROLES = ("admin", "acquisition", "coach", "viewer")


def today() -> date:
    return local_today()


def make_event(*, region: str = "Hamburg", year: int | None = None, deadline_in: int | None = 30, **fields):
    day = date(year, 5, 15) if year else today() + timedelta(days=60)
    data = EventInput(
        region=region,
        event_date=fields.pop("event_date", day),
        registration_deadline=(today() + timedelta(days=deadline_in)) if deadline_in is not None and not year else None,
        **fields,
    )
    event = create_event(data=data)
    db.session.commit()
    return event


def make_participation(employer, event, *, actor=None, **fields):
    data = ParticipationInput(
        event_id=event.id,
        participant_ref=fields.pop("participant_ref", "AB-17"),
        status=fields.pop("status", ParticipationStatus.REQUESTED),
        outcome=fields.pop("outcome", ParticipationOutcome.NONE),
        **fields,
    )
    participation = create_participation(employer=employer, data=data, actor=actor)
    db.session.commit()
    return participation


def make_posting(employer, *, actor=None, **fields):
    data = PostingInput(
        title=fields.pop("title", "Helfer*in in der Küche"),
        posting_type=fields.pop("posting_type", PostingType.INDIVIDUAL),
        status=fields.pop("status", PostingStatus.OPEN),
        **fields,
    )
    posting = create_posting(employer=employer, data=data, actor=actor)
    db.session.commit()
    return posting


def make_placement(employer, *, actor=None, participation_id=None, **fields):
    data = PlacementInput(
        participant_ref=fields.pop("participant_ref", "AB-17"),
        start_date=fields.pop("start_date", today()),
        placement_type=fields.pop("placement_type", PlacementType.TRIAL),
        **fields,
    )
    placement = create_placement(employer=employer, data=data, actor=actor, participation_id=participation_id)
    db.session.commit()
    return placement


def all_safety_done(**extra) -> dict:
    return {
        "mentor_name": "Frau Kaya, Küchenleitung",
        "safety_instruction_done": True,
        "protective_equipment_agreed": True,
        "occupational_checkup_agreed": True,
        "risk_assessment_date": today() - timedelta(days=3),
        **extra,
    }
