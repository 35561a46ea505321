"""Objection pages per role: record on the employer and on an activity, outcomes, decline, re-approach date,
catalogues, insights (with query counts); bad input, CSRF, the panel and the print briefing."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.auth.models import Role
from crm.db import utcnow
from crm.employers.models import Employer
from crm.extensions import db
from crm.objections.models import Argument, EmployerObjection, Objection, Outcome, RecordStatus
from crm.objections.services import record_argument, record_objection
from tests.helpers import count_queries, csrf_token_from, form_token

ALL_ROLES = list(Role)
LOGGERS = {Role.ADMIN, Role.ACQUISITION, Role.COACH}
EDITORS = {Role.ADMIN, Role.ACQUISITION}
ADMINS = {Role.ADMIN}


def first(model, name=None):
    query = select(model).order_by(model.position)
    if name:
        query = query.where(model.name == name)
    return db.session.scalars(query).first()


def records() -> list[EmployerObjection]:
    db.session.expire_all()
    return list(db.session.scalars(select(EmployerObjection)))


@pytest.fixture
def employer(create_employer):
    return create_employer("Hotel Elbblick")


@pytest.fixture
def recorded(employer):
    """An open objection with one argument tried (outcome still open)."""
    record = record_objection(employer=employer, objection=first(Objection, "Betreuungsaufwand"), actor=None)
    use = record_argument(
        record=record,
        argument=first(Argument, "Jobcoaching ohne zeitliche Begrenzung"),
        outcome=Outcome.OPEN,
        actor=None,
    )
    db.session.commit()
    return record, use


@pytest.mark.parametrize("role", ALL_ROLES)
def test_pages_per_role(role, login_as, employer, recorded):
    client = login_as(role)
    record, use = recorded
    pages = {
        f"/employers/{employer.id}/objections/new": LOGGERS,
        f"/objections/records/{record.id}/arguments/new": LOGGERS,
        f"/employers/{employer.id}/decline": EDITORS,
        f"/employers/{employer.id}/approach": EDITORS,
        "/objections/catalogue": ADMINS,
        "/objections/catalogue/objections/new": ADMINS,
        f"/objections/catalogue/arguments/{use.argument_id}/edit": ADMINS,
        "/objections/arguments": set(Role),
        "/insights/objections": set(Role),
        f"/insights/objections/records?objection={record.objection_id}": set(Role),
        f"/insights/objections/records?objection={record.objection_id}&argument={use.argument_id}": set(Role),
    }
    for url, allowed in pages.items():
        assert client.get(url).status_code == (200 if role in allowed else 403), url


@pytest.mark.parametrize("role", ALL_ROLES)
def test_posts_per_role(role, login_as, employer, recorded):
    client = login_as(role)
    record, use = recorded
    token = csrf_token_from(client.get("/objections/arguments").get_data(as_text=True))
    response = client.post(f"/objections/uses/{use.id}/outcome", data={"csrf_token": token, "outcome": "resolved"})
    assert response.status_code == (302 if role in LOGGERS else 403)
    response = client.post(f"/objections/records/{record.id}/archive", data={"csrf_token": token})
    assert response.status_code == (302 if role in EDITORS else 403)


def test_coach_records_an_objection_with_argument_on_the_employer(login_as, employer):
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/objections/new"
    objection, argument = first(Objection, "Reaktion des Teams"), first(Argument, "Unverbindliche Erprobung")
    response = client.post(
        url,
        data={
            "csrf_token": form_token(client, url),
            "objection_id": objection.id,
            "raised_on": date.today().isoformat(),
            "note": "Das Team ist skeptisch.",
            "argument_id": argument.id,
            "outcome": "partly",
            "argument_note": "Probetag angeboten",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/employers/{employer.id}#panel-objections")
    [record] = records()
    assert (record.objection_id, record.note, record.recorded_by_id) == (
        objection.id,
        "Das Team ist skeptisch.",
        client.user.id,
    )
    assert [(u.argument_id, u.outcome, u.note) for u in record.uses] == [
        (argument.id, Outcome.PARTLY, "Probetag angeboten")
    ]


def test_bad_input_shows_german_messages_and_keeps_the_typed_text(login_as, employer):
    client = login_as(Role.ACQUISITION)
    url = f"/employers/{employer.id}/objections/new"
    response = client.post(
        url,
        data={
            "csrf_token": form_token(client, url),
            "objection_id": "",
            "raised_on": "gestern",
            "note": "Zu viel Papierkram",
            "outcome": "open",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte wählen Sie einen Einwand." in html
    assert "Zu viel Papierkram" in html
    assert records() == []


def test_future_date_is_refused_at_the_field(login_as, employer):
    client = login_as(Role.ACQUISITION)
    url = f"/employers/{employer.id}/objections/new"
    response = client.post(
        url,
        data={
            "csrf_token": form_token(client, url),
            "objection_id": first(Objection).id,
            "raised_on": (date.today() + timedelta(days=3)).isoformat(),
            "outcome": "open",
        },
    )
    assert response.status_code == 422
    assert "Das Datum darf nicht in der Zukunft liegen." in response.get_data(as_text=True)


def test_post_without_csrf_is_refused(login_as, employer):
    client = login_as(Role.ADMIN)
    response = client.post(f"/employers/{employer.id}/objections/new", data={"objection_id": first(Objection).id})
    assert response.status_code == 400
    assert records() == []


def test_marking_an_argument_resolved_resolves_the_objection_and_changes_the_matrix(login_as, employer, recorded):
    record, use = recorded
    client = login_as(Role.COACH)
    before = client.get("/insights/objections").get_data(as_text=True)
    assert "0 % gelöst" in before
    token = csrf_token_from(before)
    response = client.post(f"/objections/uses/{use.id}/outcome", data={"csrf_token": token, "outcome": "resolved"})
    assert response.status_code == 302
    [saved] = records()
    assert saved.status == RecordStatus.RESOLVED
    assert "100 % gelöst" in client.get("/insights/objections").get_data(as_text=True)


def test_another_argument_can_be_added(login_as, recorded):
    record, _use = recorded
    client = login_as(Role.COACH)
    url = f"/objections/records/{record.id}/arguments/new"
    argument = first(Argument, "Finanzielle Vorteile")
    response = client.post(
        url, data={"csrf_token": form_token(client, url), "argument_id": argument.id, "outcome": "resolved"}
    )
    assert response.status_code == 302
    [saved] = records()
    assert saved.status == RecordStatus.RESOLVED and len(saved.uses) == 2


def test_decline_form_needs_a_reason_and_then_moves_the_employer(login_as, employer):
    client = login_as(Role.ACQUISITION)
    url = f"/employers/{employer.id}/decline"
    token = form_token(client, url)
    response = client.post(url, data={"csrf_token": token, "objection_id": "", "text": "", "approach_after": "6"})
    assert response.status_code == 422
    assert "Bitte wählen Sie einen Einwand oder beschreiben Sie den Grund." in response.get_data(as_text=True)
    cost = first(Objection, "Kosten")
    response = client.post(url, data={"csrf_token": token, "objection_id": cost.id, "text": "", "approach_after": "6"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Employer, employer.id)
    assert saved.stage.key == "declined"
    assert saved.do_not_approach_before is not None and saved.do_not_approach_before > date.today() + timedelta(
        days=150
    )
    [record] = records()
    assert record.is_decline_reason and record.objection_id == cost.id


def test_reapproach_date_can_be_set_and_cleared(login_as, employer):
    client = login_as(Role.ADMIN)
    url = f"/employers/{employer.id}/approach"
    token = form_token(client, url)
    assert client.post(url, data={"csrf_token": token, "do_not_approach_before": "2027-03-01"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Employer, employer.id).do_not_approach_before == date(2027, 3, 1)
    response = client.post(url, data={"csrf_token": token, "do_not_approach_before": "irgendwann"})
    assert response.status_code == 422
    assert client.post(url, data={"csrf_token": token, "do_not_approach_before": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Employer, employer.id).do_not_approach_before is None


def test_admin_edits_the_catalogue_and_duplicates_are_refused(login_as):
    client = login_as(Role.ADMIN)
    url = "/objections/catalogue/objections/new"
    token = form_token(client, url)
    response = client.post(url, data={"csrf_token": token, "name": "Kosten", "position": "5", "active": "y"})
    assert response.status_code == 422
    assert "Einen Eintrag mit diesem Namen gibt es schon." in response.get_data(as_text=True)
    response = client.post(
        url, data={"csrf_token": token, "name": "Platzmangel", "text": "Kein Raum", "position": "5", "active": "y"}
    )
    assert response.status_code == 302
    assert first(Objection, "Platzmangel").description == "Kein Raum"


def test_print_briefing_shows_open_objections_and_arguments_tried(login_as, employer, recorded):
    client = login_as(Role.COACH)
    html = client.get(f"/employers/{employer.id}/print").get_data(as_text=True)
    assert "Offene Einwände" in html
    assert "Betreuungsaufwand" in html and "Jobcoaching ohne zeitliche Begrenzung" in html


def test_activity_form_records_the_objection_raised_in_the_contact(login_as, employer):
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/activities/new"
    token = csrf_token_from(client.get("/objections/arguments").get_data(as_text=True))
    objection, argument = first(Objection, "Bürokratie"), first(Argument, "Jobcoaching ohne zeitliche Begrenzung")
    response = client.post(
        url,
        data={
            "activity-csrf_token": token,
            "activity-kind": "visit",
            "activity-occurred_at": (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "activity-contact_id": "",
            "activity-subject": "Besuch vor Ort",
            "objection_id": str(objection.id),
            "objection_argument_id": str(argument.id),
            "objection_outcome": "resolved",
            "objection_note": "Wer macht die Anträge?",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    [record] = records()
    assert record.activity_id is not None and record.note == "Wer macht die Anträge?"
    assert record.status == RecordStatus.RESOLVED
    assert record.uses[0].activity_id == record.activity_id


def test_activity_without_objection_records_none(login_as, employer):
    client = login_as(Role.COACH)
    token = csrf_token_from(client.get("/objections/arguments").get_data(as_text=True))
    response = client.post(
        f"/employers/{employer.id}/activities/new",
        data={
            "activity-csrf_token": token,
            "activity-kind": "call",
            "activity-occurred_at": (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "activity-subject": "Kurzer Anruf",
            "objection_id": "",
            "objection_outcome": "open",
        },
    )
    assert response.status_code == 302
    assert records() == []


def test_insights_use_a_constant_number_of_queries(app, login_as, create_employer):
    client = login_as(Role.VIEWER)

    def add(n: int) -> None:
        for i in range(n):
            employer = create_employer(f"Firma {i} {n}")
            record = record_objection(
                employer=employer, objection=db.session.scalars(select(Objection)).all()[i % 5], actor=None
            )
            record_argument(
                record=record,
                argument=db.session.scalars(select(Argument)).all()[i % 7],
                outcome=Outcome.RESOLVED,
                actor=None,
            )
        db.session.commit()

    add(3)
    with count_queries(app) as few:
        assert client.get("/insights/objections?industry=1").status_code == 200
    add(12)
    with count_queries(app) as many:
        assert client.get("/insights/objections?industry=1").status_code == 200
    assert len(many) == len(few)
    with count_queries(app) as cell_few:
        client.get("/insights/objections/records?objection=1&argument=1")
    add(5)
    with count_queries(app) as cell_many:
        client.get("/insights/objections/records?objection=1&argument=1")
    assert len(cell_few) == len(cell_many)


def test_insights_filters_ignore_unreadable_values(login_as):
    client = login_as(Role.VIEWER)
    assert client.get("/insights/objections?start=kaputt&end=2026-13-01&industry=x&site=").status_code == 200


def test_matrix_cell_links_to_its_records(login_as, employer, recorded):
    record, use = recorded
    client = login_as(Role.VIEWER)
    html = client.get("/insights/objections").get_data(as_text=True)
    link = f"/insights/objections/records?objection={record.objection_id}&amp;argument={use.argument_id}"
    assert link in html
    detail = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Hotel Elbblick" in detail and "<caption" in detail


def _activity_data(token: str, **objection_fields) -> dict:
    return {
        "activity-csrf_token": token,
        "activity-kind": "call",
        "activity-occurred_at": (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "activity-subject": "Telefonat",
        "objection_outcome": "open",
        **objection_fields,
    }


def test_argument_without_objection_stops_the_whole_log_and_keeps_the_input(login_as, employer):
    from crm.activities.models import Activity

    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/activities/new"
    token = csrf_token_from(
        client.get(url).get_data(as_text=True).replace('name="activity-csrf_token"', 'name="csrf_token"')
    )
    argument = first(Argument)
    response = client.post(
        url, data=_activity_data(token, objection_argument_id=str(argument.id), objection_note="Zu teuer")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte wählen Sie den Einwand, auf den das Argument geantwortet hat." in html
    assert 'value="Zu teuer"' in html and f'<option value="{argument.id}" selected>' in html
    db.session.expire_all()
    assert db.session.scalar(select(Activity)) is None and records() == []


def test_htmx_quick_log_with_an_objection_reloads_the_page(login_as, employer):
    client = login_as(Role.COACH)
    token = csrf_token_from(client.get("/objections/arguments").get_data(as_text=True))
    data = _activity_data(token, objection_id=str(first(Objection).id))
    response = client.post(f"/employers/{employer.id}/activities/new", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers.get("HX-Refresh") == "true"
    plain = client.post(
        f"/employers/{employer.id}/activities/new", data=_activity_data(token), headers={"HX-Request": "true"}
    )
    assert "HX-Refresh" not in plain.headers


def test_timeline_lists_objections(login_as, employer, recorded):
    from crm.timeline import employer_timeline

    page = employer_timeline(employer.id, kinds={"objection"})
    assert [entry.item.objection.name for entry in page.entries] == ["Betreuungsaufwand"]


def test_archived_employer_takes_no_new_objections(login_as, employer):
    from crm.employers.services import archive_employer

    archive_employer(employer=employer)
    db.session.commit()
    client = login_as(Role.ACQUISITION)
    response = client.get(f"/employers/{employer.id}/objections/new")
    assert response.status_code == 302
    assert client.get(f"/employers/{employer.id}/decline").status_code == 302


def test_catalogue_position_gets_one_german_message(login_as):
    client = login_as(Role.ADMIN)
    url = "/objections/catalogue/arguments/new"
    response = client.post(url, data={"csrf_token": form_token(client, url), "name": "Neu", "position": "zehn"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte geben Sie eine Zahl von 0 bis 10000 ein." in html
    assert "Keine gültige" not in html


def test_partials_for_the_stage_form_and_lists_render_without_queries(app, login_as, employer):
    from flask import render_template
    from flask_login import login_user

    from crm.employers.services import active_stages

    employer.do_not_approach_before = date.today() + timedelta(days=30)
    db.session.commit()
    client = login_as(Role.ACQUISITION)
    stages = active_stages()
    assert employer.stage.key == "lead"  # loaded before counting: the pages that include these have it
    with app.test_request_context():
        login_user(client.user)
        with count_queries(app) as statements:
            hint = render_template("objections/_decline_hint.html", employer=employer, stages=stages)
            badge = render_template("objections/_approach_badge.html", employer=employer)
    assert statements == []
    assert f"/employers/{employer.id}/decline" in hint
    assert "nicht vor" in badge
