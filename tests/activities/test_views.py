"""Activity pages: quick log (full page and htmx), hooks, edit, archive, restore; roles, bad input, CSRF."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.activities import services
from crm.activities.models import Activity
from crm.auth.models import Role
from crm.db import utcnow
from crm.employers.models import Employer
from crm.extensions import db
from tests.helpers import csrf_token_from, form_token

LOGGER_ROLES = [Role.ADMIN, Role.ACQUISITION, Role.COACH]
HX = {"HX-Request": "true"}


def form_data(token: str, **fields) -> dict:
    data = {
        "activity-csrf_token": token,
        "activity-kind": "call",
        "activity-occurred_at": (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "activity-contact_id": "",
        "activity-subject": "Erstes Telefonat",
        "activity-summary": "Interesse an Außenarbeitsplatz im Lager.",
        "activity-outcome": "Besuch vereinbart",
    }
    data.update({f"activity-{key}": value for key, value in fields.items()})
    return data


def activity_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Activity))


# --- roles --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", LOGGER_ROLES)
def test_loggers_can_open_and_send_the_log_form(role, login_as, create_employer):
    employer = create_employer()
    client = login_as(role)
    url = f"/employers/{employer.id}/activities/new"
    response = client.post(url, data=form_data(form_token(client, url)))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/employers/{employer.id}#panel-recent-activities")
    activity = db.session.scalar(select(Activity))
    assert activity.user_id == client.user.id and activity.subject == "Erstes Telefonat"


def test_viewer_may_not_log(login_as, create_employer):
    employer = create_employer()
    client = login_as(Role.VIEWER)
    url = f"/employers/{employer.id}/activities/new"
    assert client.get(url).status_code == 403
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    assert client.post(url, data=form_data(token)).status_code == 403
    assert activity_count() == 0


@pytest.mark.parametrize("role", list(Role))
def test_edit_archive_restore_per_role(role, login_as, create_employer, create_activity):
    activity = create_activity(create_employer(), "Telefonat")
    client = login_as(role)
    allowed = role in LOGGER_ROLES
    assert client.get(f"/activities/{activity.id}/edit").status_code == (200 if allowed else 403)
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post(f"/activities/{activity.id}/archive", data={"csrf_token": token})
    assert response.status_code == (302 if allowed else 403)
    if not allowed:
        services.archive_activity(activity=db.session.get(Activity, activity.id))
        db.session.commit()
    response = client.post(f"/activities/{activity.id}/restore", data={"csrf_token": token})
    assert response.status_code == (302 if role == Role.ADMIN else 403)
    db.session.expire_all()
    assert (db.session.get(Activity, activity.id).archived_at is None) == (role == Role.ADMIN)


def test_unknown_employer_or_activity_is_404(login_as):
    client = login_as(Role.COACH)
    assert client.get("/employers/999/activities/new").status_code == 404
    assert client.get("/activities/999/edit").status_code == 404


# --- the form -----------------------------------------------------------------------------------


def test_form_offers_only_current_contacts_of_this_employer(login_as, create_employer, create_contact):
    employer = create_employer()
    create_contact(employer, "Aktuell")
    create_contact(employer, "Gegangen", has_left=True)
    create_contact(create_employer("Andere Firma"), "Fremd")
    archived = create_contact(employer, "Archiviert")
    from crm.contacts.services import archive_contact

    archive_contact(contact=archived)
    db.session.commit()
    html = login_as(Role.COACH).get(f"/employers/{employer.id}/activities/new").get_data(as_text=True)
    assert "Aktuell" in html
    for name in ("Gegangen", "Fremd", "Archiviert"):
        assert name not in html


def test_form_is_german_with_datetime_local_defaulting_to_now(login_as, create_employer):
    employer = create_employer()
    html = login_as(Role.COACH).get(f"/employers/{employer.id}/activities/new").get_data(as_text=True)
    assert "Kontakt erfassen" in html and "Betreff" in html and "Datum und Uhrzeit" in html
    assert 'type="datetime-local"' in html
    local_now = utcnow().astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%dT%H:")
    assert f'value="{local_now}' in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("subject", "", "Bitte geben Sie einen Betreff ein"),
        ("subject", "x" * 201, "Bitte verwenden Sie höchstens 200 Zeichen."),
        ("occurred_at", "gestern", "Bitte geben Sie Datum und Uhrzeit ein, z. B. 05.03.2026 14:30."),
        ("occurred_at", "", "Bitte geben Sie Datum und Uhrzeit ein"),
        ("occurred_at", "31.12.2099 10:00", "mehr als einen Tag in der Zukunft"),
        ("kind", "fax", "Keine gültige Auswahl"),
        ("contact_id", "4711", "Keine gültige Auswahl"),
    ],
)
def test_bad_input_gets_a_german_message_at_the_field_and_keeps_the_input(
    field, value, message, login_as, create_employer
):
    employer = create_employer()
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/activities/new"
    data = form_data(form_token(client, url), **{field: value}, summary="Mein langer Text über das Gespräch")
    response = client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="activity-{field}-error"' in html
    assert 'aria-invalid="true"' in html
    assert "Mein langer Text über das Gespräch" in html
    if value and field != "kind" and field != "contact_id":
        assert value[:50] in html
    assert activity_count() == 0


def test_contact_of_another_employer_is_refused(login_as, create_employer, create_contact):
    employer = create_employer()
    stranger = create_contact(create_employer("Andere Firma"), "Fremd")
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/activities/new"
    response = client.post(url, data=form_data(form_token(client, url), contact_id=str(stranger.id)))
    assert response.status_code == 422
    assert activity_count() == 0


def test_german_typed_date_is_read_as_berlin_time(login_as, create_employer):
    employer = create_employer()
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/activities/new"
    response = client.post(url, data=form_data(form_token(client, url), occurred_at="05.03.2026 14:30"))
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity))
    assert activity.occurred_at == datetime(2026, 3, 5, 13, 30, tzinfo=UTC)  # CET = UTC+1


def test_summer_time_is_respected(login_as, create_employer):
    employer = create_employer()
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/activities/new"
    client.post(url, data=form_data(form_token(client, url), occurred_at="2025-07-01T09:15"))
    assert db.session.scalar(select(Activity)).occurred_at == datetime(2025, 7, 1, 7, 15, tzinfo=UTC)


def test_contact_person_is_saved(login_as, create_employer, create_contact):
    employer = create_employer()
    contact = create_contact(employer, "Schulz")
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/activities/new"
    client.post(url, data=form_data(form_token(client, url), contact_id=str(contact.id)))
    assert db.session.scalar(select(Activity)).contact_id == contact.id


def test_post_without_csrf_token_is_refused(login_as, create_employer):
    employer = create_employer()
    client = login_as(Role.COACH)
    data = form_data("")
    del data["activity-csrf_token"]
    response = client.post(f"/employers/{employer.id}/activities/new", data=data)
    assert response.status_code == 400
    assert activity_count() == 0


def test_safe_next_is_followed_and_foreign_next_ignored(login_as, create_employer):
    employer = create_employer()
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/activities/new"
    token = form_token(client, url)
    response = client.post(url + "?next=/employers?q=b%C3%A4cker", data=form_data(token))
    assert response.headers["Location"] == "/employers?q=b%C3%A4cker"
    response = client.post(url + "?next=https://evil.example.org/", data=form_data(token))
    assert response.headers["Location"].startswith(f"/employers/{employer.id}")


def test_do_not_contact_stage_warns_on_the_form_and_after_saving(login_as, create_employer):
    employer = create_employer(stage_key="do_not_contact")
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/activities/new"
    page = client.get(url).get_data(as_text=True)
    assert "Notizen können Sie immer erfassen" in page
    response = client.post(url, data=form_data(csrf_token_from(page)), follow_redirects=False)
    assert response.status_code == 302
    with client.session_transaction() as session:
        categories = [category for category, _ in session["_flashes"]]
    assert categories == ["success", "warning"]


# --- htmx ---------------------------------------------------------------------------------------


def test_htmx_get_returns_only_the_form(login_as, create_employer):
    employer = create_employer()
    response = login_as(Role.COACH).get(f"/employers/{employer.id}/activities/new", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith("<form") and 'hx-post="' in html


def test_htmx_invalid_post_returns_the_form_with_422(login_as, create_employer):
    employer = create_employer()
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/activities/new"
    response = client.post(url, data=form_data(form_token(client, url), subject=""), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html and "data-swap-invalid" in html
    assert "Bitte geben Sie einen Betreff ein" in html


def test_htmx_success_returns_refreshed_panel_and_timeline(login_as, create_employer):
    employer = create_employer()
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/activities/new"
    response = client.post(url, data=form_data(form_token(client, url), subject="Besuch im Lager"), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#panel-recent-activities"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert 'id="panel-recent-activities"' in html
    assert 'id="panel-timeline" class="crm-panel" aria-labelledby="panel-timeline-heading" hx-swap-oob="true"' in html
    recent, timeline = html.split('id="panel-timeline"')
    assert '<div class="fw-semibold">Besuch im Lager</div>' in recent
    assert 'class="h6 mb-1">Besuch im Lager</h3>' in timeline
    assert "Der Kontakt „Besuch im Lager“ wurde gespeichert." in html
    assert activity_count() == 1


# --- the hook for follow-ups ---------------------------------------------------------------------


@pytest.fixture
def hooks():
    saved = list(services.AFTER_LOG_HOOKS)
    yield services.AFTER_LOG_HOOKS
    services.AFTER_LOG_HOOKS[:] = saved


def test_after_log_hooks_run_in_the_same_transaction(hooks, login_as, create_employer):
    seen = []

    def hook(*, activity, form):
        assert activity.id is not None and form.subject.data == "Erstes Telefonat"
        seen.append(activity.id)
        activity.outcome = "vom Hook ergänzt"

    hooks.append(hook)
    employer = create_employer()
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/activities/new"
    assert client.post(url, data=form_data(form_token(client, url))).status_code == 302
    db.session.expire_all()
    activity = db.session.scalar(select(Activity))
    assert seen == [activity.id] and activity.outcome == "vom Hook ergänzt"


def test_a_hook_error_saves_nothing_and_shows_at_the_field(hooks, login_as, create_employer):
    def hook(*, activity, form):
        raise services.ActivityError("Bitte prüfen Sie den Betreff.", "subject")

    hooks.append(hook)
    employer = create_employer()
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/activities/new"
    response = client.post(url, data=form_data(form_token(client, url)))
    assert response.status_code == 422
    assert "Bitte prüfen Sie den Betreff." in response.get_data(as_text=True)
    assert activity_count() == 0
    db.session.expire_all()
    assert db.session.get(Employer, employer.id).last_contact_at is None


def test_next_followup_fields_are_included_when_the_followup_domain_provides_them(login_as, create_employer):
    import os

    from flask import current_app

    employer = create_employer()
    html = login_as(Role.COACH).get(f"/employers/{employer.id}/activities/new").get_data(as_text=True)
    provided = os.path.exists(os.path.join(current_app.template_folder, "followups", "_next_followup_fields.html"))
    assert 'name="activity-subject"' in html
    assert ('class="next-followup' in html) == provided


# --- edit ---------------------------------------------------------------------------------------


def test_edit_keeps_values_and_saves_corrections(login_as, create_employer, create_activity):
    employer = create_employer()
    activity = create_activity(employer, "Telefonat", occurred_at=utcnow() - timedelta(days=2))
    client = login_as(Role.COACH)
    url = f"/activities/{activity.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Telefonat"' in page
    assert 'class="next-followup' not in page  # planning the next follow-up belongs to logging
    new_time = (utcnow() - timedelta(days=1)).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    data = form_data(
        csrf_token_from(page), subject="Telefonat mit Frau Schulz", occurred_at=new_time.strftime("%Y-%m-%dT%H:%M")
    )
    response = client.post(url, data=data)
    assert response.status_code == 302
    db.session.expire_all()
    activity = db.session.get(Activity, activity.id)
    assert activity.subject == "Telefonat mit Frau Schulz"
    assert db.session.get(Employer, employer.id).last_contact_at == activity.occurred_at


def test_edit_with_bad_input_is_422_and_keeps_input(login_as, create_employer, create_activity):
    activity = create_activity(create_employer(), "Telefonat")
    client = login_as(Role.COACH)
    url = f"/activities/{activity.id}/edit"
    response = client.post(url, data=form_data(form_token(client, url), subject="", summary="Neuer Text"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Neuer Text" in html and "Bitte geben Sie einen Betreff ein" in html


def test_edit_of_an_archived_entry_is_refused(login_as, create_employer, create_activity):
    activity = create_activity(create_employer(), "Telefonat")
    services.archive_activity(activity=activity)
    db.session.commit()
    client = login_as(Role.COACH)
    url = f"/activities/{activity.id}/edit"
    response = client.post(url, data=form_data(form_token(client, url), subject="Anders"))
    assert response.status_code == 422
    assert "Archivierte Einträge können nicht bearbeitet werden." in response.get_data(as_text=True)


def test_archive_recomputes_last_contact_and_hides_from_timeline(login_as, create_employer, create_activity):
    employer = create_employer()
    older = create_activity(employer, "Alt", occurred_at=utcnow() - timedelta(days=9))
    latest = create_activity(employer, "Versehentlich", occurred_at=utcnow() - timedelta(days=1))
    client = login_as(Role.COACH)
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    client.post(f"/activities/{latest.id}/archive", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Employer, employer.id).last_contact_at == older.occurred_at
    html = client.get(f"/employers/{employer.id}/timeline").get_data(as_text=True)
    assert ">Alt</h3>" in html and ">Versehentlich</h3>" not in html
