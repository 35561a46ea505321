"""The demo employers: plausible, spread over stages and owners, and loaded only once."""

from sqlalchemy import func, select

from crm.contacts.models import Contact
from crm.demo import load_demo_data
from crm.employers.demo import DEMO_EMPLOYERS
from crm.employers.models import Employer, Stage, StageChange
from crm.extensions import db


def test_demo_employers_are_spread_over_stages_and_owners_and_loaded_once():
    load_demo_data()
    load_demo_data()

    names = [row[0] for row in DEMO_EMPLOYERS]
    employers = db.session.scalars(select(Employer).where(Employer.name.in_(names))).all()
    assert len(employers) == len(DEMO_EMPLOYERS) >= 25
    assert db.session.scalar(select(func.count()).where(Employer.name.in_(names))) == len(names)  # not twice
    assert len({e.stage_id for e in employers}) == db.session.scalar(select(func.count(Stage.id)))
    assert len({e.owner_id for e in employers}) >= 2
    assert all("20000" <= e.postcode <= "22999" and e.city == "Hamburg" for e in employers)
    assert {"Altona", "Eimsbüttel", "Wandsbek", "Harburg", "Bergedorf", "Ottensen"} <= {e.district for e in employers}
    assert sum(e.stage.blocks_contact for e in employers) == 1

    per_employer = dict(
        db.session.execute(
            select(Contact.employer_id, func.count())
            .where(Contact.has_left.is_(False))  # the contacts demo adds former contacts
            .group_by(Contact.employer_id)
        ).all()
    )
    assert all(1 <= per_employer.get(e.id, 0) <= 3 for e in employers)
    assert all(e.normalized_name for e in employers)


def test_declined_demo_employers_carry_a_reason():
    load_demo_data()
    names = [row[0] for row in DEMO_EMPLOYERS]
    declined = db.session.scalars(
        select(Employer).join(Stage).where(Stage.key == "declined", Employer.name.in_(names))
    ).all()
    assert declined
    for employer in declined:
        reason = db.session.scalar(
            select(StageChange.reason).where(
                StageChange.employer_id == employer.id, StageChange.to_stage_id == employer.stage_id
            )
        )
        assert reason
