"""Objection services: recording, outcomes and status, decline reasons, the matrix and its filters."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from crm.employers.models import Industry, Stage, StageChange
from crm.extensions import db
from crm.objections.models import Argument, EmployerObjection, Objection, Outcome, RecordStatus
from crm.objections.services import (
    InsightFilter,
    ObjectionError,
    best_arguments,
    decline_employer,
    frequent_open_objections,
    objection_matrix,
    record_argument,
    record_decline_reason,
    record_objection,
    save_catalogue_entry,
    set_argument_outcome,
)


def objection(name: str = "Angst vor Fehlzeiten") -> Objection:
    return db.session.scalar(select(Objection).where(Objection.name == name))


def argument(name: str = "Jobcoaching ohne zeitliche Begrenzung") -> Argument:
    return db.session.scalar(select(Argument).where(Argument.name == name))


def test_catalogues_are_seeded_in_german():
    assert objection("Angst vor dem Kündigungsschutz") is not None
    assert argument("Finanzielle Vorteile").handout
    assert len(db.session.scalars(select(Argument)).all()) == 14
    assert len(db.session.scalars(select(Objection)).all()) == 11


def test_an_objection_is_open_until_an_argument_resolves_it(create_employer, make_user):
    employer, user = create_employer(), make_user("coach")
    record = record_objection(employer=employer, objection=objection(), actor=user, note="Was, wenn er oft krank ist?")
    use = record_argument(record=record, argument=argument(), outcome=Outcome.PARTLY, actor=user)
    assert record.status == RecordStatus.OPEN
    set_argument_outcome(use=use, outcome=Outcome.RESOLVED)
    assert record.status == RecordStatus.RESOLVED and record.resolved_at is not None
    set_argument_outcome(use=use, outcome=Outcome.NOT_RESOLVED)
    assert record.status == RecordStatus.OPEN and record.resolved_at is None


def test_inactive_catalogue_entries_cannot_be_recorded(create_employer):
    employer = create_employer()
    retired = objection()
    retired.active = False
    with pytest.raises(ObjectionError) as error:
        record_objection(employer=employer, objection=retired, actor=None)
    assert error.value.field == "objection_id"


def test_catalogue_names_are_unique_ignoring_case():
    with pytest.raises(ObjectionError) as error:
        save_catalogue_entry(
            model=Objection, entry=None, name="angst vor fehlzeiten", text=None, position=1, active=True
        )
    assert error.value.field == "name"
    entry = save_catalogue_entry(
        model=Argument, entry=None, name="  Neues   Argument ", text="Text", position=5, active=True
    )
    assert (entry.name, entry.handout) == ("Neues Argument", "Text")


def test_decline_moves_the_stage_records_the_reason_and_the_reapproach_date(create_employer, make_user):
    employer, user = create_employer(), make_user("acquisition")
    declined = db.session.scalar(select(Stage).where(Stage.key == "declined"))
    record = decline_employer(
        employer=employer,
        declined_stage=declined,
        objection=objection("Kosten"),
        text="Gerade kein Budget",
        approach_again_on=date(2027, 5, 1),
        actor=user,
    )
    db.session.commit()
    assert employer.stage.key == "declined" and employer.do_not_approach_before == date(2027, 5, 1)
    assert record.is_decline_reason and record.objection.name == "Kosten" and record.note == "Gerade kein Budget"
    change = db.session.scalar(select(StageChange).where(StageChange.to_stage_id == declined.id))
    assert change.reason == "Kosten – Gerade kein Budget"


def test_decline_with_free_text_only_records_no_objection(create_employer):
    employer = create_employer()
    declined = db.session.scalar(select(Stage).where(Stage.key == "declined"))
    assert (
        decline_employer(
            employer=employer,
            declined_stage=declined,
            objection=None,
            text="Firma zieht um",
            approach_again_on=None,
            actor=None,
        )
        is None
    )
    assert employer.stage.key == "declined"
    assert db.session.scalar(select(EmployerObjection)) is None


def test_decline_needs_an_objection_or_a_text(create_employer):
    employer = create_employer()
    with pytest.raises(ObjectionError) as error:
        record_decline_reason(employer=employer, objection=None, text="  ", actor=None)
    assert error.value.field == "objection_id"


def _seed_matrix(create_employer):
    industry = db.session.scalar(select(Industry).where(Industry.name == "Gastronomie"))
    other = db.session.scalar(select(Industry).where(Industry.name == "Handwerk"))
    cafe = create_employer("Café Eins", industry_id=industry.id)
    shop = create_employer("Tischlerei Zwei", industry_id=other.id)
    coach = argument()
    trial = argument("Unverbindliche Erprobung")
    for employer, outcome in [(cafe, Outcome.RESOLVED), (cafe, Outcome.NOT_RESOLVED), (shop, Outcome.RESOLVED)]:
        record = record_objection(employer=employer, objection=objection(), actor=None)
        record_argument(record=record, argument=coach, outcome=outcome, actor=None)
    record = record_objection(
        employer=shop, objection=objection("Kosten"), actor=None, raised_at=datetime(2025, 1, 10, tzinfo=UTC)
    )
    record_argument(
        record=record, argument=trial, outcome=Outcome.PARTLY, actor=None, used_at=datetime(2025, 1, 10, tzinfo=UTC)
    )
    db.session.commit()
    return industry, coach, trial


def test_matrix_counts_uses_and_resolution_rate_per_cell(create_employer):
    industry, coach, trial = _seed_matrix(create_employer)
    matrix = objection_matrix(InsightFilter())
    cell = matrix.cell(objection().id, coach.id)
    assert (cell.uses, cell.resolved, cell.rate) == (3, 2, 67)
    assert matrix.cell(objection("Kosten").id, trial.id).partly == 1
    assert matrix.raised[objection().id] == 3


def test_matrix_filters_by_industry_and_period(create_employer):
    industry, coach, trial = _seed_matrix(create_employer)
    cell = objection_matrix(InsightFilter(industry_id=industry.id)).cell(objection().id, coach.id)
    assert (cell.uses, cell.resolved) == (2, 1)
    old = objection_matrix(InsightFilter(end=date(2025, 12, 31)))
    assert old.cell(objection().id, coach.id) is None
    assert old.cell(objection("Kosten").id, trial.id).uses == 1


def test_frequent_open_objections_and_best_arguments(create_employer):
    industry, coach, trial = _seed_matrix(create_employer)
    open_rows = frequent_open_objections(InsightFilter())
    assert [(o.name, n) for o, n in open_rows] == [("Angst vor Fehlzeiten", 1), ("Kosten", 1)]
    best = best_arguments(InsightFilter(industry_id=industry.id))
    assert [(a.name, c.resolved) for a, c in best] == [(coach.name, 1)]


def test_may_approach_respects_the_reapproach_date(create_employer):
    from crm.objections.services import may_approach

    employer = create_employer()
    assert may_approach(employer, on=date(2026, 1, 1))
    employer.do_not_approach_before = date(2026, 6, 1)
    assert not may_approach(employer, on=date(2026, 5, 31))
    assert may_approach(employer, on=date(2026, 6, 1))


def test_panels_load_with_a_constant_number_of_queries(app, create_employer):
    from crm.objections.views import _load_panel as objections_panel
    from crm.referrals.services import record_referral
    from crm.referrals.views import _load_panel as referrals_panel
    from tests.helpers import count_queries

    employer = create_employer("Zentrale")

    def add(n: int, tag: str) -> None:
        for i in range(n):
            record = record_objection(employer=employer, objection=objection(), actor=None)
            record_argument(record=record, argument=argument(), outcome=Outcome.OPEN, actor=None)
            child = create_employer(f"Kind {tag}{i}")
            record_referral(referred=child, referred_on=date.today(), actor=None, referrer_employer=employer)
            record_referral(
                referred=create_employer(f"Enkel {tag}{i}"),
                referred_on=date.today(),
                actor=None,
                referrer_employer=child,
            )
        db.session.commit()

    def queries() -> tuple[int, int]:
        db.session.expire_all()
        with count_queries(app) as first:
            objections_panel(employer)
        with count_queries(app) as second:
            referrals_panel(employer)
        return len(first), len(second)

    add(1, "a")
    few = queries()
    add(6, "b")
    assert queries() == few


def test_reseeding_does_not_bring_back_a_renamed_default():
    from crm.objections.seeds import seed_objection_catalogues

    renamed = objection("Kosten")
    renamed.name = "Kosten und Finanzierung"
    db.session.commit()
    seed_objection_catalogues()
    assert objection("Kosten") is None
    assert len(db.session.scalars(select(Objection)).all()) == 11
