"""Placement pages per role, form errors in German at the field, CSRF, query counts, the stage suggestion."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.employers.models import Employer, StageChange
from crm.extensions import db
from crm.placements.models import Placement
from tests.helpers import count_queries, csrf_token_from, form_token
from tests.placements.factories import ALL_ROLES, make_placement, today

MANAGERS = {"admin", "coach"}


def _placement_form(token: str, **overrides) -> dict:
    data = {
        "csrf_token": token,
        "participant_ref": "AB-17",
        "placement_type": "individual_temporary",
        "start_date": today().isoformat(),
        "mentor_name": "",
        "risk_assessment_date": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_reads_the_list_and_the_detail(login_as, create_employer, role):
    placement = make_placement(create_employer())
    client = login_as(role)
    assert client.get("/placements/").status_code == 200
    response = client.get(f"/placements/{placement.id}")
    assert response.status_code == 200
    assert "AB-17" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_coaches_and_admins_open_the_placement_forms(login_as, create_employer, role):
    employer = create_employer()
    placement = make_placement(employer)
    client = login_as(role)
    expected = 200 if role in MANAGERS else 403
    for url in (
        f"/placements/new?employer_id={employer.id}",
        f"/placements/{placement.id}/edit",
        f"/placements/{placement.id}/phase",
        f"/placements/{placement.id}/end",
    ):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("role", ALL_ROLES)
def test_posting_a_placement_per_role(login_as, create_employer, role):
    employer = create_employer()
    client = login_as(role)
    token = (
        csrf_token_from(client.get("/placements/").get_data(as_text=True))
        if role not in MANAGERS
        else form_token(client, f"/placements/new?employer_id={employer.id}")
    )
    response = client.post(f"/placements/new?employer_id={employer.id}", data=_placement_form(token))
    assert response.status_code == (302 if role in MANAGERS else 403)


def test_recording_with_an_open_safety_item_shows_the_follow_up(login_as, create_employer):
    employer = create_employer()
    client = login_as("coach")
    token = form_token(client, f"/placements/new?employer_id={employer.id}")
    response = client.post(
        f"/placements/new?employer_id={employer.id}",
        data=_placement_form(token, coach_id=str(client.user.id), safety_instruction_done="y"),
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Wiedervorlage am" in html and "4 Punkte offen" in html
    assert "Offen" in html and "Erledigt" in html


def test_bad_input_comes_back_in_german_at_the_field_and_keeps_the_input(login_as, create_employer):
    employer = create_employer()
    client = login_as("coach")
    token = form_token(client, f"/placements/new?employer_id={employer.id}")
    response = client.post(
        f"/placements/new?employer_id={employer.id}",
        data=_placement_form(
            token,
            participant_ref="Max Mustermann",
            end_date=(today() - timedelta(days=5)).isoformat(),
            funding_body="Integrationsamt",
            subsidy_percent="150",
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte geben Sie einen Prozentsatz zwischen 0 und 100 ein." in html
    assert 'value="Max Mustermann"' in html and 'value="Integrationsamt"' in html
    assert db.session.scalar(select(db.func.count(Placement.id))) == 0
    # Once the number is right, the service refuses the name at its field.
    response = client.post(
        f"/placements/new?employer_id={employer.id}",
        data=_placement_form(token, participant_ref="Max Mustermann", funding_body="Integrationsamt"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "keinen Namen" in html or "kein Name" in html
    assert 'id="participant_ref-error"' in html


def test_the_form_says_no_names_and_no_health_data(login_as, create_employer):
    employer = create_employer()
    html = login_as("coach").get(f"/placements/new?employer_id={employer.id}").get_data(as_text=True)
    assert "Nur Kürzel oder interne Kennung – keine Namen, keine Gesundheitsdaten" in html
    assert 'maxlength="20"' in html


def test_post_without_csrf_is_refused(login_as, create_employer):
    employer = create_employer()
    client = login_as("coach")
    response = client.post(f"/placements/new?employer_id={employer.id}", data=_placement_form(""))
    assert response.status_code == 400


def test_first_placement_suggests_cooperation_and_one_click_moves_the_employer(login_as, create_employer, make_user):
    employer = create_employer(stage_key="talks")
    placement = make_placement(employer, actor=make_user("coach"))
    coach = login_as("coach")
    html = coach.get(f"/placements/{placement.id}").get_data(as_text=True)
    assert "Erste Vermittlung bei diesem Arbeitgeber" in html
    assert "Akquise" in html  # coaches are told whom to ask; they do not move stages
    assert db.session.scalar(select(Employer.stage_id).where(Employer.id == employer.id)) == employer.stage_id
    token = csrf_token_from(html)
    assert coach.post(f"/placements/{placement.id}/cooperation", data={"csrf_token": token}).status_code == 403

    acquisition = login_as("acquisition")
    token = form_token(acquisition, f"/placements/{placement.id}")
    response = acquisition.post(f"/placements/{placement.id}/cooperation", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Employer, employer.id).stage.key == "cooperation"
    change = db.session.scalar(select(StageChange).where(StageChange.employer_id == employer.id))
    assert change.changed_by_id == acquisition.user.id and "AB-17" in change.reason
    assert "Erste Vermittlung" not in acquisition.get(f"/placements/{placement.id}").get_data(as_text=True)


def test_next_phase_and_end_through_the_pages(login_as, create_employer):
    placement = make_placement(create_employer())
    client = login_as("coach")
    token = form_token(client, f"/placements/{placement.id}/phase")
    response = client.post(
        f"/placements/{placement.id}/phase",
        data={"csrf_token": token, "placement_type": "individual_permanent", "start_date": today().isoformat()},
    )
    assert response.status_code == 302
    response = client.post(
        f"/placements/{placement.id}/end",
        data={"csrf_token": token, "end_date": today().isoformat(), "outcome": "returned", "reason": ""},
    )
    assert response.status_code == 422
    assert "Bitte nennen Sie einen Grund" in response.get_data(as_text=True)
    response = client.post(
        f"/placements/{placement.id}/end",
        data={"csrf_token": token, "end_date": today().isoformat(), "outcome": "returned", "reason": "Wunsch des TN"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    placement = db.session.get(Placement, placement.id)
    assert [p.placement_type.value for p in placement.phases] == ["trial", "individual_permanent"]
    assert placement.outcome.value == "returned"


def test_the_employer_page_shows_the_placements_and_how_they_went(login_as, create_employer):
    employer = create_employer()
    make_placement(employer, participant_ref="ZX-9")
    html = login_as("viewer").get(f"/employers/{employer.id}").get_data(as_text=True)
    assert 'id="panel-placements"' in html and "ZX-9" in html
    printed = login_as("viewer").get(f"/employers/{employer.id}/print").get_data(as_text=True)
    assert "ZX-9" in printed


def test_placement_phases_appear_on_the_timeline(app, create_employer):
    from crm.timeline import employer_timeline

    employer = create_employer()
    make_placement(employer)
    with app.test_request_context():
        page = employer_timeline(employer.id, kinds={"placement"})
    assert [e.kind for e in page.entries] == ["placement"]


def _fill(create_employer, count: int) -> None:
    employer = create_employer(f"Firma {count}")
    for n in range(count):
        make_placement(employer, participant_ref=f"T-{count}-{n}")


def test_the_list_needs_the_same_number_of_queries_for_3_and_30_rows(app, login_as, create_employer):
    client = login_as("viewer")
    _fill(create_employer, 3)
    with count_queries(app) as few:
        assert client.get("/placements/?state=all").status_code == 200
    _fill(create_employer, 27)
    with count_queries(app) as many:
        assert client.get("/placements/?state=all").status_code == 200
    assert len(few) == len(many)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_archive_by_coach_or_admin_restore_by_admin_only(login_as, create_employer, make_user, role):
    from crm.followups.models import FollowUpStatus

    placement = make_placement(create_employer(), actor=make_user("coach"))
    client = login_as(role)
    token = csrf_token_from(client.get(f"/placements/{placement.id}").get_data(as_text=True))
    response = client.post(f"/placements/{placement.id}/archive", data={"csrf_token": token})
    assert response.status_code == (302 if role in MANAGERS else 403)
    db.session.expire_all()
    placement = db.session.get(Placement, placement.id)
    if role in MANAGERS:
        assert placement.archived_at is not None
        assert placement.safety_followup.status == FollowUpStatus.CANCELLED
    else:
        from crm.placements.services import archive_placement

        archive_placement(placement=placement, actor=None)
        db.session.commit()
    response = client.post(f"/placements/{placement.id}/restore", data={"csrf_token": token})
    assert response.status_code == (302 if role == "admin" else 403)
    db.session.expire_all()
    placement = db.session.get(Placement, placement.id)
    assert (placement.archived_at is None) == (role == "admin")
    if role == "admin":
        assert placement.safety_followup.status == FollowUpStatus.OPEN


def test_an_archived_placement_cannot_be_edited(login_as, create_employer):
    from crm.placements.services import archive_placement

    placement = make_placement(create_employer())
    archive_placement(placement=placement, actor=None)
    db.session.commit()
    client = login_as("coach")
    html = client.get(f"/placements/{placement.id}").get_data(as_text=True)
    assert "Dieser Eintrag ist archiviert" in html
    token = form_token(client, f"/placements/{placement.id}/phase")
    response = client.post(
        f"/placements/{placement.id}/phase",
        data={"csrf_token": token, "placement_type": "group", "start_date": today().isoformat()},
    )
    assert response.status_code == 422
    assert "archiviert" in response.get_data(as_text=True)


def test_a_funded_placement_shows_body_subsidy_and_approval(login_as, create_employer, make_user):
    from crm.placements.models import PlacementType

    coach = make_user("coach", name="Miriam Coach")
    placement = make_placement(
        create_employer(),
        actor=coach,
        coach_id=coach.id,
        placement_type=PlacementType.BFA,
        funding_body="Integrationsamt Hamburg",
        subsidy_percent=75,
        approval_from=today(),
        approval_until=today() + timedelta(days=365),
    )
    html = login_as("viewer").get(f"/placements/{placement.id}").get_data(as_text=True)
    assert "Integrationsamt Hamburg" in html and "Lohnkostenzuschuss in Prozent" in html and ">75<" in html
    assert "Verlängerung beantragen" in html
    assert "Nicht nötig" in html  # no DGUV checklist for an employment contract


def test_the_list_filters_by_state_kind_and_coach(login_as, create_employer, make_user):
    from crm.placements.models import PlacementOutcome, PlacementType
    from crm.placements.services import end_placement

    employer = create_employer()
    client = login_as("coach")
    make_placement(employer, participant_ref="RUN-1", coach_id=client.user.id)
    make_placement(employer, participant_ref="GRP-2", placement_type=PlacementType.GROUP)
    ended = make_placement(employer, participant_ref="END-3")
    end_placement(placement=ended, end_date=today(), outcome=PlacementOutcome.PERMANENT_MOVE, reason=None, actor=None)
    db.session.commit()

    def refs(query: str) -> set[str]:
        html = client.get(f"/placements/?{query}").get_data(as_text=True)
        return {ref for ref in ("RUN-1", "GRP-2", "END-3") if f">{ref}</a>" in html}

    assert refs("") == {"RUN-1", "GRP-2"}
    assert refs("state=ended") == {"END-3"}
    assert refs("state=all&type=group") == {"GRP-2"}
    assert refs("state=all&mine=1") == {"RUN-1"}
    assert refs("state=all&type=bogus") == {"RUN-1", "GRP-2", "END-3"}


def test_the_employer_page_panels_cost_the_same_queries_for_3_and_30_records(app, login_as, create_employer):
    from crm.duoday.models import ParticipationStatus
    from tests.placements.factories import make_event, make_participation, make_posting

    employer = create_employer()
    event = make_event()
    client = login_as("viewer")

    def add(count: int) -> None:
        for n in range(count):
            make_placement(employer, participant_ref=f"P-{count}-{n}")
            make_posting(employer, title=f"Stelle {count}-{n}")
            make_participation(employer, event, status=ParticipationStatus.CONFIRMED)

    add(3)
    with count_queries(app) as few:
        assert client.get(f"/employers/{employer.id}").status_code == 200
    add(27)
    with count_queries(app) as many:
        assert client.get(f"/employers/{employer.id}").status_code == 200
    assert len(few) == len(many)
