"""A small hand-built data set whose report figures are worked out by hand in the tests.

Employers (created, source, site, stage history):
  Alpha   2026-01-10 cold     Altona   lead → first contact 01-20 → talks 02-04 → cooperation 03-06
  Beta    2026-01-15 referral Altona   lead → first contact 01-27 → declined 02-06
  Gamma   2026-02-01 cold     Harburg  lead → first contact 02-21
  Delta   2026-02-10 duoday   Harburg  lead → talks 02-14 → offer 03-16 → trial 04-15 → cooperation 06-03
  Epsilon 2025-12-01 cold     Altona   lead (before the period)
  Zeta    2026-03-01 cold     Altona   archived (never counted)
Owners: Anna owns Alpha and Beta. "Today" is 2026-06-15 (pinned with time-machine where it matters).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from crm.activities.models import Activity, ActivityKind
from crm.auth.models import Role, User
from crm.duoday.models import DuoDayEvent, DuoDayParticipation, ParticipationOutcome, ParticipationStatus
from crm.employers.models import Employer, EmployerSource, Stage, StageChange
from crm.extensions import db
from crm.followups.models import FollowUp
from crm.placements.models import Placement, PlacementOutcome, PlacementPhase, PlacementType
from crm.postings.models import JobPosting, PostingStatus, PostingType
from crm.reports.models import QuotaSettings
from crm.sites.models import Site

TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@dataclass
class DataSet:
    anna: User
    ben: User
    altona: Site
    harburg: Site
    employers: dict[str, Employer]


@pytest.fixture
def frozen_today():
    """Pin the clock to 2026-06-15 12:00 UTC (the tick lets request timing work)."""
    with time_machine.travel(NOW, tick=False):
        yield TODAY


@pytest.fixture
def dataset(app, make_user) -> DataSet:
    stages = {stage.key: stage for stage in db.session.scalars(select(Stage))}
    anna = make_user(Role.ACQUISITION, name="Anna Acker")
    ben = make_user(Role.COACH, name="Ben Bauer")
    altona, harburg = Site(name="Altona"), Site(name="Harburg")
    db.session.add_all([altona, harburg])
    db.session.flush()

    def employer(name, created, source, site, path, owner=None, archived=False):
        history = [(stages[key], at(day)) for key, day in path]
        emp = Employer(
            name=name,
            normalized_name=name.casefold(),
            created_at=at(created),
            source=source,
            site=site,
            owner=owner,
            stage=history[-1][0],
            stage_changed_at=history[-1][1],
            archived_at=at("2026-03-02") if archived else None,
        )
        db.session.add(emp)
        previous = None
        for stage, moment in history:
            db.session.add(StageChange(employer=emp, from_stage_id=previous, to_stage=stage, changed_at=moment))
            db.session.flush()
            previous = stage.id
        return emp

    employers = {
        "alpha": employer(
            "Alpha",
            "2026-01-10",
            EmployerSource.COLD,
            altona,
            [
                ("lead", "2026-01-10"),
                ("first_contact", "2026-01-20"),
                ("talks", "2026-02-04"),
                ("cooperation", "2026-03-06"),
            ],
            owner=anna,
        ),
        "beta": employer(
            "Beta",
            "2026-01-15",
            EmployerSource.REFERRAL,
            altona,
            [("lead", "2026-01-15"), ("first_contact", "2026-01-27"), ("declined", "2026-02-06")],
            owner=anna,
        ),
        "gamma": employer(
            "Gamma",
            "2026-02-01",
            EmployerSource.COLD,
            harburg,
            [("lead", "2026-02-01"), ("first_contact", "2026-02-21")],
        ),
        "delta": employer(
            "Delta",
            "2026-02-10",
            EmployerSource.DUODAY,
            harburg,
            [
                ("lead", "2026-02-10"),
                ("talks", "2026-02-14"),
                ("offer", "2026-03-16"),
                ("trial", "2026-04-15"),
                ("cooperation", "2026-06-03"),
            ],
        ),
        "epsilon": employer("Epsilon", "2025-12-01", EmployerSource.COLD, altona, [("lead", "2025-12-01")]),
        "zeta": employer("Zeta", "2026-03-01", EmployerSource.COLD, altona, [("lead", "2026-03-01")], archived=True),
    }
    e = employers

    def activity(emp, user, kind, day, archived=False):
        db.session.add(
            Activity(
                employer=emp,
                user=user,
                kind=kind,
                occurred_at=at(day),
                subject=f"{kind.value} {day}",
                archived_at=at(day) if archived else None,
            )
        )

    activity(e["alpha"], anna, ActivityKind.CALL, "2026-01-12")
    activity(e["alpha"], anna, ActivityKind.CALL, "2026-01-20")
    activity(e["beta"], anna, ActivityKind.EMAIL, "2026-01-25")
    activity(e["gamma"], ben, ActivityKind.VISIT, "2026-02-03")
    activity(e["delta"], ben, ActivityKind.CALL, "2026-02-05")
    activity(e["epsilon"], anna, ActivityKind.CALL, "2025-12-20")  # before the period
    activity(e["delta"], ben, ActivityKind.NOTE, "2026-02-10", archived=True)  # archived: not counted

    hh25 = DuoDayEvent(year=2025, region="Hamburg", event_date=date(2025, 5, 8))
    hh26 = DuoDayEvent(year=2026, region="Hamburg", event_date=date(2026, 4, 23))
    kiel = DuoDayEvent(year=2026, region="Kiel", event_date=date(2026, 9, 10))
    db.session.add_all([hh25, hh26, kiel])
    St, Oc = ParticipationStatus, ParticipationOutcome  # noqa: N806
    for event, emp, status, outcome in [
        (hh25, e["alpha"], St.DONE, Oc.TASTER),
        (hh25, e["beta"], St.DONE, Oc.NONE),
        (hh25, e["gamma"], St.CANCELLED, Oc.NONE),
        (hh26, e["delta"], St.CONFIRMED, Oc.NONE),
        (hh26, e["alpha"], St.DONE, Oc.PLACEMENT),
        (hh26, e["beta"], St.REQUESTED, Oc.NONE),
        (kiel, e["gamma"], St.CONFIRMED, Oc.NONE),
        (kiel, e["epsilon"], St.CONFIRMED, Oc.NONE),
    ]:
        db.session.add(DuoDayParticipation(event=event, employer=emp, status=status, outcome=outcome))

    def placement(emp, phases, outcome=None, archived=False):
        last_type, start = phases[-1][0], phases[0][1]
        end = phases[-1][2]
        p = Placement(
            employer=emp,
            participant_ref="AB12",
            placement_type=last_type,
            start_date=date.fromisoformat(start),
            end_date=date.fromisoformat(end) if end else None,
            outcome=outcome,
            archived_at=at("2026-03-05") if archived else None,
        )
        db.session.add(p)
        db.session.flush()
        for kind, begin, finish in phases:
            db.session.add(
                PlacementPhase(
                    placement=p,
                    employer_id=emp.id,
                    placement_type=kind,
                    start_date=date.fromisoformat(begin),
                    end_date=date.fromisoformat(finish) if finish else None,
                )
            )

    T = PlacementType  # noqa: N806
    placement(e["alpha"], [(T.TASTER, "2026-01-05", "2026-02-01"), (T.INDIVIDUAL_TEMPORARY, "2026-02-01", None)])
    placement(e["delta"], [(T.TRIAL, "2026-03-10", "2026-04-20")], outcome=PlacementOutcome.RETURNED)
    placement(e["gamma"], [(T.GROUP, "2025-11-01", None)])
    placement(e["beta"], [(T.BFA, "2026-02-15", "2026-05-31")], outcome=PlacementOutcome.PERMANENT_MOVE)
    placement(e["alpha"], [(T.INDIVIDUAL_PERMANENT, "2026-03-01", None)], archived=True)

    db.session.add_all(
        [
            JobPosting(
                employer=e["alpha"], title="Küchenhilfe", posting_type=PostingType.INDIVIDUAL, status=PostingStatus.OPEN
            ),
            JobPosting(employer=e["delta"], title="Lager", posting_type=PostingType.GROUP, status=PostingStatus.DRAFT),
        ]
    )
    for emp, title, due in [
        (e["alpha"], "Nachfassen", date(2026, 6, 10)),
        (e["beta"], "Angebot schicken", date(2026, 6, 12)),
        (e["alpha"], "Anrufen", date(2026, 6, 15)),
        (e["beta"], "Später", date(2026, 7, 20)),
    ]:
        db.session.add(FollowUp(employer=emp, assigned_to_id=anna.id, title=title, due_date=due))
    db.session.commit()
    return DataSet(anna=anna, ben=ben, altona=altona, harburg=harburg, employers=employers)


@pytest.fixture
def quota(app) -> QuotaSettings:
    settings = QuotaSettings(
        workforce_size=10,
        outside_count=None,
        baseline_percent=Decimal("10.0"),
        baseline_date=date(2026, 1, 1),
        goal_percent=Decimal("40.0"),
        goal_year=2027,
    )
    db.session.add(settings)
    db.session.commit()
    return settings
