"""Follow-ups inside other pages: the employer panel, print view, timeline and the activity form."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.activities.models import Activity
from crm.auth.models import Role
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from tests.followups.conftest import TODAY
from tests.helpers import csrf_token_from


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def page(login_as, create_employer, create_contact, make_followup, clock):
    client = login_as(Role.ACQUISITION, name="Anna Akquise")
    client.employer = create_employer("Bäckerei Müller", owner=client.user, stage_key="talks")
    client.contact = create_contact(client.employer, "Schröder", first_name="Jürgen", phone="040 123 456")
    client.followup = make_followup(client.employer, days=-1, title="Rückruf Probearbeit", contact=client.contact)
    return client


def test_the_employer_page_shows_open_follow_ups_with_actions_and_a_short_form(page):
    html = text_of(page.get(f"/employers/{page.employer.id}"))
    panel = html[html.index('id="panel-followups"') :]
    assert "Rückruf Probearbeit" in panel and "Jürgen Schröder" in panel and "tel:040123456" in panel
    assert f'action="/followups/{page.followup.id}/done"' in panel
    assert "Wiedervorlage anlegen" in panel
    assert 'value="2026-04-13"' in panel  # the short form suggests the stage's cadence date


def test_the_short_form_on_the_employer_page_creates_a_follow_up(page):
    html = text_of(page.get(f"/employers/{page.employer.id}"))
    prefix = f"panel-{page.employer.id}"
    response = page.post(
        "/followups/new",
        data={
            "csrf_token": csrf_token_from(html),
            "form_prefix": prefix,
            "employer_id": page.employer.id,
            "next": f"/employers/{page.employer.id}#panel-followups",
            f"{prefix}-title": "Besuch vor Ort",
            f"{prefix}-due_date": "2026-04-08",
            f"{prefix}-assigned_to_id": "",
        },
    )
    assert (
        response.status_code == 302 and response.headers["Location"] == f"/employers/{page.employer.id}#panel-followups"
    )
    assert (
        db.session.scalar(select(FollowUp).where(FollowUp.title == "Besuch vor Ort")).due_date.isoformat()
        == "2026-04-08"
    )


def test_an_error_in_the_short_form_shows_the_full_form_with_the_typed_text(page):
    html = text_of(page.get(f"/employers/{page.employer.id}"))
    prefix = f"panel-{page.employer.id}"
    response = page.post(
        "/followups/new",
        data={
            "csrf_token": csrf_token_from(html),
            "form_prefix": prefix,
            "employer_id": page.employer.id,
            f"{prefix}-title": "Besuch vor Ort",
            f"{prefix}-due_date": "übermorgen",
        },
    )
    body = text_of(response)
    assert response.status_code == 422
    assert 'value="Besuch vor Ort"' in body and 'value="übermorgen"' in body
    assert "Bitte geben Sie ein Datum ein, z. B. 12.05.2026." in body


def test_a_do_not_contact_employer_shows_no_form_but_a_notice(page, create_employer):
    blocked = create_employer("Nein GmbH", owner=page.user, stage_key="do_not_contact")
    html = text_of(page.get(f"/employers/{blocked.id}"))
    panel = html[html.index('id="panel-followups"') :]
    assert "Keine Wiedervorlagen: Der Arbeitgeber ist in der Phase „Nicht kontaktieren“." in panel
    assert "quick-followup-form" not in panel


def test_viewers_see_follow_ups_on_the_employer_page_without_actions(page, login_as):
    viewer = login_as(Role.VIEWER)
    html = text_of(viewer.get(f"/employers/{page.employer.id}"))
    panel = html[html.index('id="panel-followups"') :]
    assert "Rückruf Probearbeit" in panel and "/done" not in panel and "quick-followup-form" not in panel


def test_the_print_view_lists_open_follow_ups(page):
    html = text_of(page.get(f"/employers/{page.employer.id}/print"))
    assert "Offene Wiedervorlagen" in html and "Rückruf Probearbeit" in html


def test_the_timeline_shows_created_and_done_follow_ups(page):
    page.post(
        f"/followups/{page.followup.id}/done", data={"csrf_token": csrf_token_from(text_of(page.get("/followups/")))}
    )
    html = text_of(page.get(f"/employers/{page.employer.id}"))
    timeline = html[html.index('id="panel-timeline"') :]
    assert "Erledigt: Rückruf Probearbeit" in timeline
    assert "Geplant für 29.03.2026: Rückruf Probearbeit" in timeline


def _log(page, **fields):
    url = f"/employers/{page.employer.id}/activities/new"
    html = text_of(page.get(url))
    data = {
        "csrf_token": csrf_token_from(html),
        "activity-kind": "call",
        "activity-occurred_at": "2026-03-30T07:45",
        "activity-subject": "Telefonat mit Herrn Schröder",
        "activity-contact_id": str(page.contact.id),
        "next_followup-due_date": "",
        "next_followup-title": "",
        "next_followup-assigned_to_id": "",
    } | fields
    return page.post(url, data=data)


def test_the_activity_form_offers_the_next_follow_up_and_the_open_ones(page):
    html = text_of(page.get(f"/employers/{page.employer.id}/activities/new"))
    assert "Nächste Wiedervorlage" in html and 'name="next_followup-due_date"' in html
    assert 'name="next_followup-complete"' in html and "Rückruf Probearbeit" in html
    assert "Kontaktrhythmus: 13.04.2026" in html


def test_logging_a_call_ticks_off_the_follow_up_and_plans_the_next_in_one_step(page):
    response = _log(
        page,
        **{"next_followup-complete": str(page.followup.id), "next_followup-due_date": "2026-04-06"},
    )
    assert response.status_code == 302, text_of(response)
    db.session.expire_all()
    activity = db.session.scalar(select(Activity))
    assert page.followup.status == FollowUpStatus.DONE
    following = db.session.scalar(select(FollowUp).where(FollowUp.status == FollowUpStatus.OPEN))
    assert following.due_date.isoformat() == "2026-04-06" and following.activity_id == activity.id
    assert following.title == "Nachfassen: Telefonat mit Herrn Schröder"
    assert following.contact_id == page.contact.id and following.assigned_to_id == page.user.id


def test_logging_without_a_date_plans_nothing(page):
    assert _log(page).status_code == 302
    assert db.session.scalar(select(Activity)) is not None
    assert len(db.session.scalars(select(FollowUp)).all()) == 1


def test_a_bad_next_follow_up_date_stops_the_whole_step_and_keeps_the_input(page):
    response = _log(
        page,
        **{"next_followup-due_date": "irgendwann", "next_followup-title": "Vertrag besprechen"},
    )
    html = text_of(response)
    assert response.status_code == 422
    assert "Bitte prüfen Sie die nächste Wiedervorlage." in html
    assert "Bitte geben Sie ein Datum ein, z. B. 12.05.2026." in html
    assert 'value="irgendwann"' in html and 'value="Vertrag besprechen"' in html
    assert 'value="Telefonat mit Herrn Schröder"' in html
    assert db.session.scalar(select(Activity)) is None


def test_a_title_without_a_date_asks_for_the_date(page):
    response = _log(page, **{"next_followup-title": "Vertrag besprechen"})
    assert response.status_code == 422 and "Bitte geben Sie ein Datum ein, z. B. 06.04.2026." in text_of(response)


def test_an_error_in_the_activity_keeps_the_typed_next_follow_up(page):
    response = _log(page, **{"activity-subject": "", "next_followup-due_date": "2026-04-06"})
    html = text_of(response)
    assert response.status_code == 422 and 'value="2026-04-06"' in html


def test_the_quick_log_with_htmx_plans_the_next_follow_up(page):
    response = _log(page, **{"next_followup-due_date": "2026-04-07"})
    assert response.status_code == 302
    htmx = page.post(
        f"/employers/{page.employer.id}/activities/new",
        data={
            "csrf_token": csrf_token_from(text_of(page.get(f"/employers/{page.employer.id}"))),
            "activity-kind": "note",
            "activity-occurred_at": "2026-03-30T07:50",
            "activity-subject": "Notiz",
            "next_followup-due_date": "2026-04-09",
        },
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 200
    assert htmx.headers["HX-Trigger"] == "followups-changed"  # the page reloads the follow-up panel
    dates = sorted(f.due_date.isoformat() for f in db.session.scalars(select(FollowUp)))
    assert dates == ["2026-03-29", "2026-04-07", "2026-04-09"]
    assert 'value="2026-04-09"' not in text_of(htmx)  # the fresh quick-log form starts empty


def test_overdue_badge_counts_only_my_overdue_follow_ups(page, make_followup):
    make_followup(page.employer, days=0)
    make_followup(page.employer, days=-5)
    html = text_of(page.get("/followups/"))
    assert '<span class="badge text-bg-warning">2<span class="visually-hidden"> überfällige Wiedervorlagen' in html


def test_no_badge_query_for_viewers(page, login_as):
    html = text_of(login_as(Role.VIEWER).get("/followups/"))
    assert "überfällige Wiedervorlagen" not in html


def test_due_for_contact_is_listed_on_the_follow_up_page(page, create_employer):
    from crm.db import utcnow

    create_employer(
        "Stille Post GmbH", owner=page.user, stage_key="talks", last_contact_at=utcnow() - timedelta(days=30)
    )
    html = text_of(page.get("/followups/"))
    section = html[html.index('id="due-contact-heading"') :]
    assert "Stille Post GmbH" in section and "Kontakt planen" in section
    assert f"due_date={TODAY.isoformat()}" in section


@pytest.mark.parametrize("role", ["admin", "acquisition", "coach", "viewer"])
def test_the_panel_alone_can_be_reloaded_by_every_role(page, login_as, role):
    client = login_as(role)
    response = client.get(f"/followups/panel/{page.employer.id}")
    html = text_of(response)
    assert response.status_code == 200 and html.lstrip().startswith('<section id="panel-followups"')
    assert "Rückruf Probearbeit" in html and ("/done" in html) == (role != "viewer")
    assert client.get("/followups/panel/99999").status_code == 404


def test_no_trigger_header_without_a_change(page):
    response = _log(page)
    assert "HX-Trigger" not in response.headers


def test_archiving_the_employer_cancels_its_open_follow_ups_and_restoring_leaves_them_cancelled(page, login_as):
    later = page.followup
    employer_id = page.employer.id
    token = csrf_token_from(text_of(page.get(f"/employers/{employer_id}")))
    assert "Rückruf Probearbeit" in text_of(page.get("/followups/"))

    archived = page.post(f"/employers/{employer_id}/archive", data={"csrf_token": token})

    assert archived.status_code == 302
    db.session.expire_all()
    followup = db.session.get(FollowUp, later.id)
    assert followup.status == FollowUpStatus.CANCELLED
    assert followup.cancel_reason == "Der Arbeitgeber wurde archiviert."
    assert followup.cancelled_by_id == page.user.id
    assert "Rückruf Probearbeit" not in text_of(page.get("/followups/"))
    timeline = text_of(page.get(f"/employers/{employer_id}"))
    assert "Grund:</strong> Der Arbeitgeber wurde archiviert." in timeline

    admin = login_as(Role.ADMIN)
    admin_token = csrf_token_from(text_of(admin.get(f"/employers/{employer_id}")))
    assert admin.post(f"/employers/{employer_id}/restore", data={"csrf_token": admin_token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(FollowUp, later.id).status == FollowUpStatus.CANCELLED


def test_the_archive_button_warns_that_open_follow_ups_end(page):
    html = text_of(page.get(f"/employers/{page.employer.id}"))
    assert "offene Wiedervorlagen werden abgebrochen" in html
