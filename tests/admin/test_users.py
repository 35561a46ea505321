"""User administration: create, change role, deactivate, reactivate; the last admin stays."""

from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.auth.models import Role, User
from crm.extensions import db
from tests.helpers import csrf_token_from, form_token, login


def test_only_admins_see_the_user_pages(login_as):
    assert login_as(Role.ADMIN).get("/admin/users").status_code == 200
    for role in (Role.ACQUISITION, Role.COACH, Role.VIEWER):
        client = login_as(role)
        assert client.get("/admin/users").status_code == 403
        assert client.get("/admin/users/new").status_code == 403


def test_admin_creates_a_user_who_can_log_in(app, login_as):
    admin = login_as(Role.ADMIN)
    token = form_token(admin, "/admin/users/new")
    response = admin.post(
        "/admin/users/new",
        data={
            "name": "Kim Coach",
            "email": "Kim@Example.org",
            "role": "coach",
            "site_id": "",
            "password": "Startpasswort-2026",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "kim@example.org")).one()
    assert user.role == Role.COACH
    assert login(app.test_client(), "kim@example.org", "Startpasswort-2026").status_code == 302


def test_bad_user_form_keeps_input_and_explains_in_german(login_as):
    admin = login_as(Role.ADMIN)
    token = form_token(admin, "/admin/users/new")
    response = admin.post(
        "/admin/users/new",
        data={
            "name": "Kim Coach",
            "email": "kein-at-zeichen",
            "role": "coach",
            "password": "kurz",
            "csrf_token": token,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein" in page
    assert "Das Passwort muss mindestens 12 Zeichen lang sein." in page
    assert 'value="Kim Coach"' in page and 'value="kein-at-zeichen"' in page


def test_duplicate_email_is_refused_at_the_field(login_as, make_user):
    existing = make_user(Role.COACH)
    admin = login_as(Role.ADMIN)
    token = form_token(admin, "/admin/users/new")
    response = admin.post(
        "/admin/users/new",
        data={
            "name": "X",
            "email": existing.email,
            "role": "coach",
            "password": "Startpasswort-2026",
            "csrf_token": token,
        },
    )
    assert "Es gibt bereits ein Benutzerkonto mit dieser E-Mail-Adresse." in response.get_data(as_text=True)


def test_deactivation_logs_the_user_out_everywhere(app, login_as):
    admin = login_as(Role.ADMIN)
    coach = login_as(Role.COACH)
    token = form_token(admin, "/admin/users")
    response = admin.post(f"/admin/users/{coach.user.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 302
    assert coach.get("/").status_code == 302
    token = form_token(admin, "/admin/users")
    admin.post(f"/admin/users/{coach.user.id}/reactivate", data={"csrf_token": token})
    assert login(app.test_client(), coach.user.email).status_code == 302


def test_last_active_admin_cannot_be_deactivated_or_demoted(login_as):
    admin = login_as(Role.ADMIN)
    token = form_token(admin, "/admin/users")
    response = admin.post(f"/admin/users/{admin.user.id}/deactivate", data={"csrf_token": token}, follow_redirects=True)
    assert "Das letzte aktive Administrationskonto kann nicht deaktiviert werden." in response.get_data(as_text=True)
    page = admin.get(f"/admin/users/{admin.user.id}").get_data(as_text=True)
    response = admin.post(
        f"/admin/users/{admin.user.id}",
        data={"name": admin.user.name, "role": "viewer", "site_id": "", "csrf_token": csrf_token_from(page)},
    )
    assert "muss die Rolle Verwaltung behalten" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.user.id).role == Role.ADMIN


def test_role_change_is_in_the_audit_trail_with_old_and_new_value(login_as):
    admin = login_as(Role.ADMIN)
    coach = login_as(Role.COACH)
    page = admin.get(f"/admin/users/{coach.user.id}").get_data(as_text=True)
    admin.post(
        f"/admin/users/{coach.user.id}",
        data={"name": coach.user.name, "role": "acquisition", "site_id": "", "csrf_token": csrf_token_from(page)},
    )
    entry = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_type == "users", AuditEntry.entity_id == coach.user.id, AuditEntry.action == "update"
        )
    ).one()
    assert entry.changes == {"role": ["coach", "acquisition"]}
    assert entry.user_id == admin.user.id
    history = admin.get(f"/admin/users/{coach.user.id}").get_data(as_text=True)
    assert "coach → acquisition" in history
    assert "acquisition" in admin.get("/audit/?type=users").get_data(as_text=True)


def test_audit_trail_is_admin_only(login_as):
    for role in (Role.ACQUISITION, Role.COACH, Role.VIEWER):
        assert login_as(role).get("/audit/").status_code == 403


def test_history_hides_bookkeeping_fields_and_shows_german_values():
    from crm.ui import audit_changes

    shown = audit_changes(
        {
            "normalized_name": ["a", "b"],
            "version": [1, 2],
            "active": [True, False],
            "stage_changed_at": ["2026-03-05T16:12:00+00:00", None],
        }
    )
    assert shown == [("active", "ja", "nein"), ("stage_changed_at", "05.03.26, 17:12", "–")]


def test_history_shows_notes_that_are_not_old_new_pairs():
    from crm.ui import audit_changes

    assert audit_changes({"merged_with": "Bäckerei Müller (#2)", "ids": [1, 2, 3]}) == [
        ("merged_with", None, "Bäckerei Müller (#2)"),
        ("ids", None, "[1, 2, 3]"),
    ]
