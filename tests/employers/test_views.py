"""Employer pages: every route per role, create with duplicate warning, edit conflicts, stage moves, archive."""

import re

import pytest
from sqlalchemy import func, select

from crm.auth.models import Role
from crm.employers.models import Employer, Industry, Stage, StageChange
from crm.employers.services import archive_employer, stage_by_key
from crm.extensions import db
from tests.helpers import csrf_token_from, form_token

EDITOR_ROLES = (Role.ADMIN, Role.ACQUISITION)
ALL_ROLES = tuple(Role)


def _token(client) -> str:
    """Any page's CSRF token (the logout form is on every page)."""
    return csrf_token_from(client.get("/pipeline").get_data(as_text=True))


def _page(response) -> str:
    return response.get_data(as_text=True)


# --- roles: every route ---------------------------------------------------------------------------

READ_ROUTES = ["/employers/{id}", "/employers/{id}/print", "/pipeline"]
EDITOR_GET_ROUTES = ["/employers/new", "/employers/{id}/edit", "/employers/{id}/stage"]
ADMIN_GET_ROUTES = ["/admin/stages", "/admin/stages/new", "/admin/stages/{stage}", "/admin/industries"]


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("route", READ_ROUTES)
def test_every_role_reads_the_employer_pages(login_as, make_employer, role, route):
    employer = make_employer()
    client = login_as(role)
    assert client.get(route.format(id=employer.id)).status_code == 200


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("route", EDITOR_GET_ROUTES)
def test_only_editors_open_the_editing_pages(login_as, make_employer, role, route):
    employer = make_employer()
    client = login_as(role)
    expected = 200 if role in EDITOR_ROLES else 403
    assert client.get(route.format(id=employer.id)).status_code == expected


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("route", ADMIN_GET_ROUTES + ["/admin/industries/{industry}"])
def test_only_admins_open_the_catalogue_pages(login_as, role, route):
    client = login_as(role)
    stage = stage_by_key("talks")
    industry = db.session.scalar(select(Industry).limit(1))
    expected = 200 if role is Role.ADMIN else 403
    assert client.get(route.format(stage=stage.id, industry=industry.id)).status_code == expected


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_editors_create_employers(login_as, role):
    client = login_as(role)
    response = client.post(
        "/employers/new", data={"name": "Neue Firma", "csrf_token": _token(client), **_stage_field()}
    )
    if role in EDITOR_ROLES:
        assert response.status_code == 302
        assert db.session.scalar(select(func.count(Employer.id))) == 1
    else:
        assert response.status_code == 403
        assert db.session.scalar(select(func.count(Employer.id))) == 0


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_editors_edit_employers(login_as, make_employer, role):
    employer = make_employer()
    client = login_as(role)
    data = {"name": "Umbenannt", "version": "1", "csrf_token": _token(client)}
    response = client.post(f"/employers/{employer.id}/edit", data=data)
    assert response.status_code == (302 if role in EDITOR_ROLES else 403)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_editors_move_stages(login_as, make_employer, role):
    employer = make_employer()
    client = login_as(role)
    data = {"stage_id": stage_by_key("talks").id, "csrf_token": _token(client)}
    response = client.post(f"/employers/{employer.id}/stage", data=data)
    assert response.status_code == (302 if role in EDITOR_ROLES else 403)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_editors_archive(login_as, make_employer, role):
    employer = make_employer()
    client = login_as(role)
    response = client.post(f"/employers/{employer.id}/archive", data={"csrf_token": _token(client)})
    assert response.status_code == (302 if role in EDITOR_ROLES else 403)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_admins_restore(login_as, make_employer, role):
    employer = make_employer()
    archive_employer(employer=employer)
    db.session.commit()
    client = login_as(role)
    response = client.post(f"/employers/{employer.id}/restore", data={"csrf_token": _token(client)})
    assert response.status_code == (302 if role is Role.ADMIN else 403)
    db.session.expire_all()
    assert db.session.get(Employer, employer.id).is_archived is (role is not Role.ADMIN)


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("route", ["/admin/stages/new", "/admin/stages/{stage}", "/admin/industries"])
def test_only_admins_change_catalogues(login_as, role, route):
    client = login_as(role)
    stage = stage_by_key("talks")
    data = {"name": "Neu im Katalog", "position": "3", "kind": "pipeline", "active": "y", "csrf_token": _token(client)}
    response = client.post(route.format(stage=stage.id), data=data)
    assert response.status_code == (302 if role is Role.ADMIN else 403)


@pytest.mark.parametrize(
    "route",
    [
        "/employers/new",
        "/employers/{id}",
        "/employers/{id}/edit",
        "/employers/{id}/print",
        "/pipeline",
        "/admin/stages",
    ],
)
def test_anonymous_visitors_are_sent_to_the_login(client, make_employer, route):
    employer = make_employer()
    response = client.get(route.format(id=employer.id))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_employer_is_a_german_404(login_as):
    response = login_as(Role.VIEWER).get("/employers/999")
    assert response.status_code == 404 and "Seite nicht gefunden" in _page(response)


@pytest.mark.parametrize(
    "route", ["/employers/new", "/employers/{id}/edit", "/employers/{id}/stage", "/employers/{id}/archive"]
)
def test_post_without_csrf_token_is_rejected(login_as, make_employer, route):
    employer = make_employer()
    client = login_as(Role.ADMIN)
    response = client.post(route.format(id=employer.id), data={"name": "X", "version": "1"})
    assert response.status_code == 400
    assert "Formular ist abgelaufen" in _page(response) or "neu" in _page(response)


# --- create and duplicates ------------------------------------------------------------------------


def _stage_field() -> dict:
    return {"stage_id": str(stage_by_key("lead").id)}


def test_create_form_defaults_to_research_and_the_current_user(login_as):
    client = login_as(Role.ACQUISITION)
    page = _page(client.get("/employers/new"))
    lead = stage_by_key("lead")
    assert re.search(rf'<option selected value="{lead.id}">Recherche</option>', page)
    assert re.search(rf'<option selected value="{client.user.id}">{client.user.name}</option>', page)
    # Stages that need a reason or block contact are reached by a recorded move only.
    assert "Nicht kontaktieren</option>" not in page and "Abgelehnt</option>" not in page


def test_create_employer_saves_everything_and_opens_the_briefing(login_as):
    client = login_as(Role.ACQUISITION)
    industry = db.session.scalar(select(Industry).where(Industry.name == "Gastronomie"))
    data = {
        "csrf_token": form_token(client, "/employers/new"),
        "name": "Café Kleine Pause e.K.",
        "legal_form": "e.K.",
        "industry_id": str(industry.id),
        "size_class": "1-9",
        "street": "Wandsbeker Marktstraße 57",
        "postcode": "22041",
        "city": "Hamburg",
        "district": "Wandsbek",
        "phone": "040 6521190",
        "email": "hallo@example.org",
        "website": "www.kleine-pause.example.org",
        "source": "inbound",
        "owner_id": str(client.user.id),
        "site_id": "",
        "tags": "Service, barrierefrei",
        "notes": "Sehr offen.",
        "stage_id": str(stage_by_key("talks").id),
    }
    response = client.post("/employers/new", data=data)
    assert response.status_code == 302
    employer = db.session.scalar(select(Employer))
    assert response.headers["Location"] == f"/employers/{employer.id}"
    assert employer.website == "https://www.kleine-pause.example.org"
    assert employer.stage.key == "talks" and employer.industry_id == industry.id
    assert {t.name for t in employer.tags} == {"barrierefrei", "Service"}
    assert employer.normalized_name == "cafe kleine pause"
    page = _page(client.get(response.headers["Location"]))
    assert "Café Kleine Pause e.K. wurde angelegt." in page


def test_duplicate_warning_shows_candidates_and_creates_only_when_confirmed(login_as, make_employer):
    existing = make_employer("Bäckerei Müller GmbH", postcode="22761")
    client = login_as(Role.ACQUISITION)
    data = {"csrf_token": form_token(client, "/employers/new"), "name": "Baeckerei Mueller", "postcode": "22761"}
    data |= _stage_field()

    warned = client.post("/employers/new", data=data)
    page = _page(warned)
    assert warned.status_code == 200
    assert "Diesen Arbeitgeber gibt es vielleicht schon" in page
    assert f'href="/employers/{existing.id}"' in page
    assert "Trotzdem anlegen" in page
    assert 'value="Baeckerei Mueller"' in page  # the input is kept
    assert db.session.scalar(select(func.count(Employer.id))) == 1

    created = client.post("/employers/new", data=data | {"confirm_duplicate": "y"})
    assert created.status_code == 302
    assert db.session.scalar(select(func.count(Employer.id))) == 2


def test_no_warning_without_similar_employers(login_as, make_employer):
    make_employer("Hotel Atlantik")
    client = login_as(Role.ADMIN)
    data = {"csrf_token": form_token(client, "/employers/new"), "name": "Gärtnerei Sonnenhof"} | _stage_field()
    assert client.post("/employers/new", data=data).status_code == 302


# --- briefing -------------------------------------------------------------------------------------


def test_briefing_shows_key_facts_stage_owner_time_in_stage_and_a_tel_link(login_as, make_employer, make_user):
    from crm.contacts.models import Contact

    owner = make_user(Role.ACQUISITION, name="Jonas Akquise")
    employer = make_employer(
        "Elbbäckerei Hansen", owner_id=owner.id, street="Große Bergstraße 112", postcode="22767", district="Altona"
    )
    db.session.add(Contact(employer=employer, last_name="Hansen", first_name="Katrin", phone="040 389 0112"))
    db.session.add(Contact(employer=employer, last_name="Aydın", first_name="Deniz", is_primary=True, phone="040 1"))
    db.session.commit()

    page = _page(login_as(Role.COACH).get(f"/employers/{employer.id}"))
    assert "Elbbäckerei Hansen" in page and "Große Bergstraße 112" in page and "22767" in page
    assert "Recherche" in page and "Jonas Akquise" in page
    assert "weniger als ein Tag" in page
    assert 'href="tel:0401"' in page  # the primary contact comes first
    assert "Deniz Aydın" in page
    # Read-only roles see no editing controls.
    assert f"/employers/{employer.id}/edit" not in page and 'name="stage_id"' not in page


def test_editors_see_the_stage_control_on_the_briefing(login_as, make_employer):
    employer = make_employer()
    page = _page(login_as(Role.ACQUISITION).get(f"/employers/{employer.id}"))
    assert 'name="stage_id"' in page and "In Phase verschieben" in page
    assert f'action="/employers/{employer.id}/stage"' in page


def test_do_not_contact_is_prominent_on_briefing_print_and_pipeline(login_as, make_employer):
    employer = make_employer("Autohaus Elbvororte", stage="do_not_contact")
    client = login_as(Role.COACH)
    for url in (f"/employers/{employer.id}", f"/employers/{employer.id}/print"):
        page = _page(client.get(url))
        assert 'class="dnc-banner"' in page and "Nicht kontaktieren" in page
        assert "möchte nicht kontaktiert werden" in page
    pipeline = _page(client.get("/pipeline"))
    card = pipeline[pipeline.index(f'id="employer-{employer.id}"') :]
    assert "stage-badge-dnc" in card[:2000]


def test_print_view_has_the_essentials_and_a_print_button_without_inline_script(login_as, make_employer):
    employer = make_employer("Hotel Fischmarkt", phone="040 30998800", transport_notes="S1 Königstraße")
    response = login_as(Role.VIEWER).get(f"/employers/{employer.id}/print")
    page = _page(response)
    assert response.status_code == 200
    assert "Hotel Fischmarkt" in page and "040 30998800" in page and "S1 Königstraße" in page
    assert "data-print" in page and "js/print.js" in page
    assert "onclick" not in page and "<script>" not in page


# --- edit and conflicts --------------------------------------------------------------------------


def test_edit_form_carries_the_version_and_saves(login_as, make_employer):
    employer = make_employer(tags=["Gastro"])
    client = login_as(Role.ACQUISITION)
    page = _page(client.get(f"/employers/{employer.id}/edit"))
    assert 'name="version" type="hidden" value="1"' in page
    assert 'value="Gastro"' in page
    response = client.post(
        f"/employers/{employer.id}/edit",
        data={"csrf_token": csrf_token_from(page), "version": "1", "name": "Bäckerei Müller", "tags": "Gastro, Café"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Employer, employer.id)
    assert saved.version == 2 and {t.name for t in saved.tags} == {"Gastro", "Café"}


def test_second_save_of_a_stale_form_shows_the_other_change_and_keeps_the_input(login_as, make_employer):
    employer = make_employer(phone="040 111111")
    anna = login_as(Role.ACQUISITION, name="Anna Akquise")
    ben = login_as(Role.ADMIN, name="Ben Admin")
    anna_token = form_token(anna, f"/employers/{employer.id}/edit")
    ben_token = form_token(ben, f"/employers/{employer.id}/edit")

    base = {"name": "Bäckerei Müller GmbH", "city": "Hamburg", "version": "1"}
    ben_save = ben.post(f"/employers/{employer.id}/edit", data=base | {"csrf_token": ben_token, "phone": "040 222222"})
    assert ben_save.status_code == 302

    anna_save = anna.post(
        f"/employers/{employer.id}/edit",
        data=base | {"csrf_token": anna_token, "phone": "040 333333", "notes": "Anna war da"},
    )
    page = _page(anna_save)
    assert anna_save.status_code == 409
    assert "Jemand anderes hat diesen Arbeitgeber inzwischen geändert" in page
    assert "Ben Admin" in page
    assert "040 222222" in page  # the other user's value
    assert 'value="040 333333"' in page and "Anna war da" in page  # the typed input stays in the form
    assert 'name="version" type="hidden" value="2"' in page
    db.session.expire_all()
    assert db.session.get(Employer, employer.id).phone == "040 222222"  # nothing lost silently

    # Sending the form again (now with the current version) is a deliberate overwrite.
    again = anna.post(
        f"/employers/{employer.id}/edit",
        data=base | {"csrf_token": csrf_token_from(page), "phone": "040 333333", "version": "2"},
    )
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Employer, employer.id).phone == "040 333333"


def test_archived_employer_cannot_be_edited_until_restored(login_as, make_employer):
    employer = make_employer()
    archive_employer(employer=employer)
    db.session.commit()
    client = login_as(Role.ACQUISITION)
    response = client.get(f"/employers/{employer.id}/edit")
    assert response.status_code == 302
    page = _page(client.get(f"/employers/{employer.id}"))
    assert "Archiviert" in page and "/restore" not in page
    admin_page = _page(login_as(Role.ADMIN).get(f"/employers/{employer.id}"))
    assert f"/employers/{employer.id}/restore" in admin_page


# --- stage moves ----------------------------------------------------------------------------------


def test_stage_move_by_form_records_the_change_and_returns_to_next(login_as, make_employer):
    employer = make_employer()
    client = login_as(Role.ACQUISITION)
    talks = stage_by_key("talks")
    response = client.post(
        f"/employers/{employer.id}/stage",
        data={
            "stage_id": talks.id,
            "reason": "Rückruf vereinbart",
            "next": "/pipeline?owner=me",
            "csrf_token": _token(client),
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/pipeline?owner=me"
    change = db.session.scalar(select(StageChange).where(StageChange.to_stage_id == talks.id))
    assert change.reason == "Rückruf vereinbart" and change.changed_by_id == client.user.id
    assert "von „Recherche“ nach „Im Gespräch“ verschoben" in _page(client.get("/pipeline"))


def test_stage_move_ignores_a_foreign_next_url(login_as, make_employer):
    employer = make_employer()
    client = login_as(Role.ACQUISITION)
    response = client.post(
        f"/employers/{employer.id}/stage",
        data={"stage_id": stage_by_key("talks").id, "next": "https://evil.example.org/", "csrf_token": _token(client)},
    )
    assert response.headers["Location"] == f"/employers/{employer.id}"


def test_declined_without_reason_shows_a_german_error_at_the_reason(login_as, make_employer):
    employer = make_employer()
    client = login_as(Role.ACQUISITION)
    declined = stage_by_key("declined")
    response = client.post(
        f"/employers/{employer.id}/stage",
        data={"stage_id": declined.id, "reason": "", "next": "/pipeline", "csrf_token": _token(client)},
    )
    page = _page(response)
    assert response.status_code == 422
    assert "Bitte geben Sie einen Grund für die Phase „Abgelehnt“ an" in page
    assert 'aria-invalid="true"' in page and f'id="page-{employer.id}-reason-error"' in page
    assert re.search(rf'<option value="{declined.id}" selected', page)  # the choice is kept
    assert 'name="next" value="/pipeline"' in page
    db.session.expire_all()
    assert db.session.get(Employer, employer.id).stage.key == "lead"


def test_stage_move_as_json_for_drag_and_drop(login_as, make_employer):
    employer = make_employer()
    client = login_as(Role.ACQUISITION)
    token = _token(client)
    headers = {"X-CSRFToken": token, "Accept": "application/json", "X-Requested-With": "fetch"}
    declined = stage_by_key("declined")

    refused = client.post(f"/employers/{employer.id}/stage", data={"stage_id": declined.id}, headers=headers)
    assert refused.status_code == 422
    assert refused.json["ok"] is False and "Grund" in refused.json["message"]

    moved = client.post(
        f"/employers/{employer.id}/stage", data={"stage_id": declined.id, "reason": "Kein Bedarf"}, headers=headers
    )
    assert moved.status_code == 200 and moved.json["ok"] is True
    assert moved.json["stage_id"] == declined.id
    assert "Abgelehnt" in moved.json["message"]


def test_stage_move_to_an_unknown_stage_is_a_field_error(login_as, make_employer):
    employer = make_employer()
    client = login_as(Role.ACQUISITION)
    response = client.post(f"/employers/{employer.id}/stage", data={"stage_id": "9999", "csrf_token": _token(client)})
    assert response.status_code == 422 and 'aria-invalid="true"' in _page(response)


# --- pipeline -------------------------------------------------------------------------------------


def test_pipeline_shows_cards_with_district_owner_time_and_an_accessible_move_control(login_as, make_employer):
    client = login_as(Role.ACQUISITION)
    employer = make_employer("Gartenwerk Ottensen", district="Ottensen", owner_id=client.user.id)
    page = _page(client.get("/pipeline"))
    assert "Gartenwerk Ottensen" in page and "Ottensen" in page and client.user.name in page
    assert "in dieser Phase" in page
    assert f'action="/employers/{employer.id}/stage"' in page and "Verschieben" in page
    assert 'draggable="true"' in page and "js/pipeline.js" in page
    headings = re.findall(
        r'<h2 class="pipeline-column-head h6" id="column-\d+-heading">\s*<span>(?:<span[^>]*></span>)?([^<]+)</span>',
        page,
    )
    names = [h.strip() for h in headings]
    assert names[:2] == ["Recherche", "Erstkontakt"] and names[-1] == "Nicht kontaktieren"


def test_pipeline_for_readers_has_no_move_controls(login_as, make_employer):
    make_employer()
    page = _page(login_as(Role.VIEWER).get("/pipeline"))
    assert 'name="stage_id"' not in page and 'draggable="true"' not in page


def test_pipeline_links_to_the_filtered_list_when_a_column_is_full(login_as, make_employer, monkeypatch):
    monkeypatch.setattr("crm.employers.views.PIPELINE_CARDS_PER_COLUMN", 2)
    for n in range(3):
        make_employer(f"Firma {n}")
    page = _page(login_as(Role.VIEWER).get("/pipeline"))
    lead = stage_by_key("lead")
    assert f"/employers?stage={lead.id}" in page and "1 weiteren in der Liste anzeigen" in page


def test_pipeline_filter_only_mine(login_as, make_employer):
    client = login_as(Role.ACQUISITION)
    make_employer("Meine Firma", owner_id=client.user.id)
    make_employer("Fremde Firma")
    page = _page(client.get("/pipeline?owner=me"))
    assert "Meine Firma" in page and "Fremde Firma" not in page


# --- catalogue admin ------------------------------------------------------------------------------


def test_admin_adds_a_stage_that_appears_on_the_pipeline(login_as):
    client = login_as(Role.ADMIN)
    data = {"csrf_token": form_token(client, "/admin/stages/new"), "name": "Praktikum geplant", "position": "5"}
    response = client.post("/admin/stages/new", data=data | {"kind": "pipeline", "cadence_days": "7", "active": "y"})
    assert response.status_code == 302
    stage = db.session.scalar(select(Stage).where(Stage.name == "Praktikum geplant"))
    assert stage.key == "praktikum_geplant" and stage.cadence_days == 7
    assert "Praktikum geplant" in _page(client.get("/pipeline"))


def test_stage_with_employers_cannot_be_retired(login_as, make_employer):
    make_employer(stage="talks")
    client = login_as(Role.ADMIN)
    talks = stage_by_key("talks")
    url = f"/admin/stages/{talks.id}"
    data = {"csrf_token": form_token(client, url), "name": talks.name, "position": "3", "kind": "pipeline"}
    response = client.post(url, data=data)  # "active" unticked
    assert response.status_code == 422
    assert "1 Arbeitgeber ist in dieser Phase" in _page(response)


def test_duplicate_stage_and_industry_names_are_field_errors(login_as):
    client = login_as(Role.ADMIN)
    data = {"csrf_token": form_token(client, "/admin/stages/new"), "name": "abgelehnt", "position": "9"}
    response = client.post("/admin/stages/new", data=data | {"kind": "side", "active": "y"})
    assert response.status_code == 422 and "Eine Phase mit diesem Namen gibt es schon." in _page(response)

    response = client.post(
        "/admin/industries", data={"csrf_token": form_token(client, "/admin/industries"), "name": "gastronomie"}
    )
    assert response.status_code == 422 and "Eine Branche mit diesem Namen gibt es schon." in _page(response)


def test_admin_adds_renames_and_retires_an_industry(login_as):
    client = login_as(Role.ADMIN)
    response = client.post(
        "/admin/industries", data={"csrf_token": form_token(client, "/admin/industries"), "name": "Fahrradhandel"}
    )
    assert response.status_code == 302
    industry = db.session.scalar(select(Industry).where(Industry.name == "Fahrradhandel"))
    url = f"/admin/industries/{industry.id}"
    response = client.post(url, data={"csrf_token": form_token(client, url), "name": "Fahrradhandel und -werkstatt"})
    assert response.status_code == 302
    db.session.expire_all()
    industry = db.session.get(Industry, industry.id)
    assert industry.name == "Fahrradhandel und -werkstatt" and industry.active is False
    assert ">Fahrradhandel und -werkstatt</option>" not in _page(client.get("/employers/new"))
