"""DuoDay: events, participations with a deadline reminder, the yearly overview, inviting last year's hosts."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crm.duoday.models import DuoDayInvitation, DuoDayParticipation, ParticipationOutcome, ParticipationStatus
from crm.duoday.services import (
    DuoDayError,
    EventInput,
    ParticipationInput,
    create_event,
    hosts_to_invite,
    invite_hosts,
    update_participation,
    year_overview,
)
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from tests.helpers import count_queries, csrf_token_from, form_token
from tests.placements.factories import ALL_ROLES, make_event, make_participation, make_placement, today

EDITORS = {"admin", "acquisition"}
LOGGERS = {"admin", "acquisition", "coach"}


def test_one_duoday_per_region_and_year(app):
    make_event(region="Hamburg", year=2026)
    with pytest.raises(DuoDayError) as error:
        create_event(data=EventInput(region="Hamburg", event_date=date(2026, 5, 20)))
    assert error.value.field == "region"
    create_event(data=EventInput(region="Schleswig-Holstein", event_date=date(2026, 5, 20)))


def test_a_requested_participation_is_reminded_a_week_before_the_deadline(create_employer, make_user):
    coach = make_user("coach")
    event = make_event(deadline_in=30)
    participation = make_participation(create_employer(), event, actor=coach, coach_id=coach.id)
    followup = participation.reminder_followup
    assert followup.due_date == event.registration_deadline - timedelta(days=7)
    assert followup.assigned_to_id == coach.id
    data = ParticipationInput(event_id=event.id, coach_id=coach.id, status=ParticipationStatus.CONFIRMED)
    update_participation(participation=participation, data=data, actor=coach)
    db.session.commit()
    assert followup.status == FollowUpStatus.DONE


def test_an_outcome_needs_the_day_to_have_taken_place(create_employer):
    event = make_event()
    with pytest.raises(DuoDayError) as error:
        make_participation(create_employer(), event, outcome=ParticipationOutcome.TASTER)
    assert error.value.field == "outcome"


def test_the_participant_is_a_code_never_a_name(create_employer):
    with pytest.raises(DuoDayError) as error:
        make_participation(create_employer(), make_event(), participant_ref="Erika Musterfrau")
    assert error.value.field == "participant_ref"


def test_overview_counts_and_conversion(create_employer):
    event = make_event(year=2025, region="Hamburg")
    done = ParticipationStatus.DONE
    a = make_participation(create_employer("A"), event, status=done, outcome=ParticipationOutcome.TASTER)
    make_participation(create_employer("B"), event, status=done, outcome=ParticipationOutcome.PLACEMENT)
    make_participation(create_employer("C"), event, status=done)
    make_participation(create_employer("D"), event, status=done)
    make_participation(create_employer("E"), event, status=ParticipationStatus.CANCELLED)
    make_placement(a.employer, participation_id=a.id, start_date=date(2025, 6, 1))
    overview = year_overview(2025)
    assert [r.total for r in overview.rows] == [4]
    assert overview.done == 4 and overview.tasters == 1 and overview.placements == 1
    assert overview.internship_rate == 0.25 and overview.placement_rate == 0.25
    assert overview.recorded_placements == 1
    assert year_overview(2024).rows == [] and year_overview(2024).placement_rate is None


def test_last_years_hosts_not_yet_asked_get_invitation_follow_ups_once(create_employer, make_user):
    year = today().year
    last = make_event(year=year - 1)
    host, asked, cancelled, blocked = (
        create_employer("Gastgeber"),
        create_employer("Schon gefragt"),
        create_employer("Abgesagt"),
        create_employer("Gesperrt", stage_key="do_not_contact"),
    )
    for employer in (host, asked, blocked):
        make_participation(employer, last, status=ParticipationStatus.DONE)
    make_participation(cancelled, last, status=ParticipationStatus.CANCELLED)
    make_participation(asked, make_event(region="Hamburg", year=year), status=ParticipationStatus.REQUESTED)
    assert [e.name for e in hosts_to_invite(year)] == ["Gastgeber"]
    user = make_user("acquisition")
    result = invite_hosts(employer_ids=[host.id, asked.id], year=year, due_date=today() + timedelta(days=3), actor=user)
    db.session.commit()
    assert [e.name for e in result.invited] == ["Gastgeber"] and result.skipped == 1
    assert hosts_to_invite(year) == []
    followup = db.session.scalar(select(FollowUp).where(FollowUp.employer_id == host.id))
    assert str(year) in followup.title
    again = invite_hosts(employer_ids=[host.id], year=year, due_date=today(), actor=user)
    assert again.invited == [] and db.session.scalar(select(func.count(DuoDayInvitation.id))) == 1


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_reads_the_overview_and_the_event(login_as, create_employer, role):
    event = make_event()
    make_participation(create_employer(), event)
    client = login_as(role)
    assert client.get("/duoday/").status_code == 200
    assert client.get(f"/duoday/events/{event.id}?q=Bä").status_code == 200


@pytest.mark.parametrize("role", ALL_ROLES)
def test_event_forms_for_editors_participation_forms_for_loggers(login_as, create_employer, role):
    employer = create_employer()
    event = make_event()
    participation = make_participation(employer, event)
    client = login_as(role)
    for url in ("/duoday/events/new", f"/duoday/events/{event.id}/edit"):
        assert client.get(url).status_code == (200 if role in EDITORS else 403), url
    for url in (
        f"/duoday/participations/new?employer_id={employer.id}",
        f"/duoday/participations/{participation.id}/edit",
    ):
        assert client.get(url).status_code == (200 if role in LOGGERS else 403), url
    token = csrf_token_from(client.get("/duoday/").get_data(as_text=True))
    response = client.post("/duoday/invite", data={"csrf_token": token, "due_date": today().isoformat()})
    assert response.status_code == (422 if role in EDITORS else 403)


def test_event_form_errors_are_german_and_keep_the_input(login_as):
    client = login_as("acquisition")
    token = form_token(client, "/duoday/events/new")
    response = client.post(
        "/duoday/events/new",
        data={
            "csrf_token": token,
            "region": "Hamburg",
            "event_date": "2026-05-20",
            "registration_deadline": "2026-06-01",
            "organiser": "Inklusionsnetz Nord",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Der Anmeldeschluss muss am oder vor dem DuoDay liegen." in html
    assert 'value="Inklusionsnetz Nord"' in html
    response = client.post("/duoday/events/new", data={"csrf_token": token, "region": "", "event_date": "morgen"})
    assert response.status_code == 422
    assert "Bitte geben Sie die Region ein, z. B. Hamburg." in response.get_data(as_text=True)


def test_post_without_csrf_is_refused(login_as):
    assert login_as("admin").post("/duoday/events/new", data={"region": "Hamburg"}).status_code == 400


def test_plan_a_participation_through_the_form(login_as, create_employer):
    employer = create_employer()
    event = make_event()
    client = login_as("coach")
    url = f"/duoday/participations/new?employer_id={employer.id}&event_id={event.id}"
    html = client.get(url).get_data(as_text=True)
    assert "Nur Kürzel oder interne Kennung – keine Namen, keine Gesundheitsdaten" in html
    data = {
        "csrf_token": csrf_token_from(html),
        "event_id": str(event.id),
        "participant_ref": "Erika Musterfrau",
        "job_area": "Küche",
        "status": "requested",
        "outcome": "none",
    }
    response = client.post(url, data=data)
    assert response.status_code == 422 and 'value="Küche"' in response.get_data(as_text=True)
    data["participant_ref"] = "EM"
    assert client.post(url, data=data).status_code == 302
    assert db.session.scalar(select(DuoDayParticipation.job_area)) == "Küche"


def test_the_bulk_action_creates_the_invitations(login_as, create_employer):
    year = today().year
    host = create_employer("Gastgeber")
    make_participation(host, make_event(year=year - 1), status=ParticipationStatus.DONE)
    client = login_as("acquisition")
    html = client.get("/duoday/").get_data(as_text=True)
    assert "Gastgeber" in html and "Wiedervorlagen zur Einladung anlegen" in html
    response = client.post(
        f"/duoday/invite?year={year}",
        data={"csrf_token": csrf_token_from(html), "employer_id": str(host.id), "due_date": today().isoformat()},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(FollowUp.id)).where(FollowUp.employer_id == host.id)) == 1


def test_the_employer_page_and_timeline_show_participations(login_as, create_employer, app):
    from crm.timeline import employer_timeline

    employer = create_employer()
    make_participation(employer, make_event(region="Altona-Test"), job_area="Lager")
    html = login_as("viewer").get(f"/employers/{employer.id}").get_data(as_text=True)
    assert 'id="panel-duoday"' in html and "Altona-Test" in html
    with app.test_request_context():
        assert [e.kind for e in employer_timeline(employer.id, kinds={"duoday"}).entries] == ["duoday"]


def _fill(create_employer, year: int, count: int) -> None:
    event = make_event(region=f"Region {count}", year=year)
    for n in range(count):
        make_participation(create_employer(f"Firma {count}-{n}"), event, status=ParticipationStatus.DONE)


def test_the_overview_needs_the_same_number_of_queries_for_3_and_30_rows(app, login_as, create_employer):
    client = login_as("acquisition")
    year = today().year
    _fill(create_employer, year - 1, 3)
    with count_queries(app) as few:
        assert client.get(f"/duoday/?year={year}").status_code == 200
    _fill(create_employer, year - 1, 27)
    with count_queries(app) as many:
        assert client.get(f"/duoday/?year={year}").status_code == 200
    assert len(few) == len(many)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_archive_participation_by_loggers_restore_by_admin_only(login_as, create_employer, make_user, role):
    participation = make_participation(create_employer(), make_event(), actor=make_user("coach"))
    client = login_as(role)
    token = csrf_token_from(client.get("/duoday/").get_data(as_text=True))
    response = client.post(f"/duoday/participations/{participation.id}/archive", data={"csrf_token": token})
    assert response.status_code == (302 if role in LOGGERS else 403)
    db.session.expire_all()
    participation = db.session.get(DuoDayParticipation, participation.id)
    if role in LOGGERS:
        assert participation.archived_at is not None
        assert participation.reminder_followup.status == FollowUpStatus.CANCELLED
    response = client.post(f"/duoday/participations/{participation.id}/restore", data={"csrf_token": token})
    assert response.status_code == (302 if role == "admin" else 403)
    if role == "admin":
        db.session.expire_all()
        assert db.session.get(DuoDayParticipation, participation.id).reminder_followup.status == FollowUpStatus.OPEN


def test_the_event_page_needs_the_same_number_of_queries_for_3_and_30_hosts(app, login_as, create_employer):
    event = make_event()
    client = login_as("viewer")

    def add(count: int) -> None:
        for n in range(count):
            make_participation(create_employer(f"Gast {count}-{n}"), event, job_area="Küche")

    add(3)
    with count_queries(app) as few:
        assert client.get(f"/duoday/events/{event.id}").status_code == 200
    add(27)
    with count_queries(app) as many:
        assert client.get(f"/duoday/events/{event.id}").status_code == 200
    assert len(few) == len(many)
