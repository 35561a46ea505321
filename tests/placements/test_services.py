"""Placement services: phases with history, the safety checklist and funding reminders, the stage suggestion."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.placements.models import Placement, PlacementOutcome, PlacementType
from crm.placements.services import (
    FUNDING_REMINDER_DAYS,
    PlacementError,
    PlacementInput,
    advance_placement,
    check_participant_ref,
    cooperation_suggestion,
    create_placement,
    end_placement,
    update_placement,
)
from tests.placements.factories import all_safety_done, make_placement, today


def _input_from(placement: Placement, **changes) -> PlacementInput:
    fields = {
        name: getattr(placement, name) for name in PlacementInput.__dataclass_fields__ if name != "placement_type"
    }
    fields.update(changes)
    return PlacementInput(**fields)


def test_recording_a_placement_starts_its_first_phase(create_employer, make_user):
    coach = make_user("coach")
    placement = make_placement(create_employer(), actor=coach, coach_id=coach.id)
    assert [p.placement_type for p in placement.phases] == [PlacementType.TRIAL]
    assert placement.phases[0].start_date == placement.start_date
    assert placement.is_active


def test_an_open_safety_item_creates_one_follow_up_for_the_coach(create_employer, make_user):
    coach = make_user("coach")
    placement = make_placement(
        create_employer(), actor=coach, coach_id=coach.id, **all_safety_done(protective_equipment_agreed=False)
    )
    followup = placement.safety_followup
    assert followup is not None and followup.status == FollowUpStatus.OPEN
    assert followup.assigned_to_id == coach.id
    assert "1 Punkt offen" in followup.title and "Schutzausrüstung vereinbart" in followup.note
    # Saving again keeps the one follow-up instead of adding another.
    update_placement(placement=placement, data=_input_from(placement), actor=coach)
    db.session.commit()
    assert db.session.scalar(select(db.func.count(FollowUp.id))) == 1


def test_completing_the_checklist_marks_the_safety_follow_up_done(create_employer, make_user):
    coach = make_user("coach")
    placement = make_placement(create_employer(), actor=coach, coach_id=coach.id)
    assert len(placement.open_safety_items) == 5
    update_placement(placement=placement, data=_input_from(placement, **all_safety_done()), actor=coach)
    db.session.commit()
    assert placement.open_safety_items == []
    assert placement.safety_followup.status == FollowUpStatus.DONE


def test_a_future_placement_is_reminded_before_its_first_day(create_employer, make_user):
    coach = make_user("coach")
    start = today() + timedelta(days=30)
    placement = make_placement(create_employer(), actor=coach, coach_id=coach.id, start_date=start)
    assert placement.safety_followup.due_date == start - timedelta(days=3)


def test_budget_fuer_arbeit_needs_no_safety_checklist_but_a_funding_reminder(create_employer, make_user):
    coach = make_user("coach")
    until = today() + timedelta(days=365)
    placement = make_placement(
        create_employer(),
        actor=coach,
        coach_id=coach.id,
        placement_type=PlacementType.BFA,
        funding_body="Integrationsamt Hamburg",
        subsidy_percent=75,
        approval_from=today(),
        approval_until=until,
    )
    assert placement.safety_followup is None
    assert placement.funding_followup.due_date == until - timedelta(days=FUNDING_REMINDER_DAYS)
    assert "Funding approval" in placement.funding_followup.title or "Bewilligung" in placement.funding_followup.title


def test_moving_the_approval_end_moves_the_funding_reminder(create_employer, make_user):
    coach = make_user("coach")
    placement = make_placement(
        create_employer(),
        actor=coach,
        coach_id=coach.id,
        placement_type=PlacementType.BFAU,
        approval_until=today() + timedelta(days=200),
    )
    first = placement.funding_followup
    later = today() + timedelta(days=400)
    update_placement(placement=placement, data=_input_from(placement, approval_until=later), actor=coach)
    db.session.commit()
    assert placement.funding_followup.id == first.id
    assert first.due_date == later - timedelta(days=FUNDING_REMINDER_DAYS)


def test_the_next_phase_keeps_the_history(create_employer, make_user):
    coach = make_user("coach")
    placement = make_placement(create_employer(), actor=coach, placement_type=PlacementType.TASTER)
    later = placement.start_date + timedelta(days=14)
    advance_placement(
        placement=placement, placement_type=PlacementType.TRIAL, start_date=later, note="gut", actor=coach
    )
    db.session.commit()
    db.session.expire_all()
    placement = db.session.get(Placement, placement.id)
    assert [p.placement_type for p in placement.phases] == [PlacementType.TASTER, PlacementType.TRIAL]
    assert placement.phases[0].end_date == later
    assert placement.placement_type == PlacementType.TRIAL


def test_the_next_phase_cannot_start_before_the_current_one(create_employer, make_user):
    placement = make_placement(create_employer(), actor=make_user("coach"))
    with pytest.raises(PlacementError) as error:
        advance_placement(
            placement=placement,
            placement_type=PlacementType.GROUP,
            start_date=placement.start_date - timedelta(days=1),
            note=None,
            actor=None,
        )
    assert error.value.field == "start_date"


def test_ending_needs_a_reason_unless_the_move_was_permanent(create_employer, make_user):
    coach = make_user("coach")
    placement = make_placement(create_employer(), actor=coach)
    with pytest.raises(PlacementError) as error:
        end_placement(
            placement=placement, end_date=today(), outcome=PlacementOutcome.ENDED_BY_EMPLOYER, reason="", actor=coach
        )
    assert error.value.field == "reason"
    end_placement(
        placement=placement, end_date=today(), outcome=PlacementOutcome.PERMANENT_MOVE, reason=None, actor=coach
    )
    db.session.commit()
    assert not placement.is_active
    assert placement.safety_followup.status == FollowUpStatus.DONE


@pytest.mark.parametrize("value", ["Max Mustermann", "x" * 21, "<b>", "Anna-Lena"])
def test_participant_reference_refuses_names_and_long_text(value):
    with pytest.raises(PlacementError):
        check_participant_ref(value)


@pytest.mark.parametrize("value", ["AB-17", "M.K.", "WfbM-2031", "mk 12", "T/07"])
def test_participant_reference_accepts_codes_and_initials(value):
    assert check_participant_ref(value) == value


def test_the_first_placement_suggests_cooperation_only_once(create_employer, make_user):
    coach = make_user("coach")
    employer = create_employer(stage_key="talks")
    first = make_placement(employer, actor=coach, start_date=today() - timedelta(days=10))
    second = make_placement(employer, actor=coach, participant_ref="CD-2")
    assert cooperation_suggestion(first).key == "cooperation"
    assert cooperation_suggestion(second) is None


def test_no_suggestion_when_already_cooperating(create_employer, make_user):
    placement = make_placement(create_employer(stage_key="cooperation"), actor=make_user("coach"))
    assert cooperation_suggestion(placement) is None


def test_do_not_contact_employer_gets_the_placement_but_no_follow_up(create_employer, make_user):
    placement = make_placement(create_employer(stage_key="do_not_contact"), actor=make_user("coach"))
    assert placement.id and placement.safety_followup is None


def test_a_placement_needs_a_posting_of_the_same_employer(create_employer, make_user):
    from tests.placements.factories import make_posting

    other = make_posting(create_employer("Andere GmbH"))
    with pytest.raises(PlacementError) as error:
        create_placement(
            employer=create_employer(),
            data=PlacementInput(
                participant_ref="AB", start_date=today(), placement_type=PlacementType.TRIAL, posting_id=other.id
            ),
            actor=None,
        )
    assert error.value.field == "posting_id"


def test_a_new_coach_takes_over_the_open_safety_follow_up(create_employer, make_user):
    first, second = make_user("coach"), make_user("coach")
    placement = make_placement(create_employer(), actor=first, coach_id=first.id)
    assert placement.safety_followup.assigned_to_id == first.id
    update_placement(placement=placement, data=_input_from(placement, coach_id=second.id), actor=first)
    db.session.commit()
    db.session.expire_all()
    placement = db.session.get(Placement, placement.id)
    assert placement.safety_followup.assigned_to_id == second.id
