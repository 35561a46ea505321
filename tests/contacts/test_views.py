"""Contact pages: roles, validation in German with input kept, conflicts, archive/restore, CSRF."""

import pytest
from sqlalchemy import select

from crm.auth.models import Role
from crm.contacts import services
from crm.contacts.models import Contact
from crm.extensions import db
from tests.helpers import csrf_token_from, form_token

LOGGER_ROLES = [Role.ADMIN, Role.ACQUISITION, Role.COACH]


def contact_form(token: str, **fields) -> dict:
    data = {
        "csrf_token": token,
        "salutation": "ms",
        "title": "",
        "first_name": "Anna",
        "last_name": "Schulz",
        "function": "Personalleitung",
        "phone": "040 123456-12",
        "mobile": "",
        "email": "anna.schulz@example.org",
        "preferred_channel": "phone",
        "notes": "",
        "data_source": "Visitenkarte, Messe Hamburg 2026",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def page_token(client) -> str:
    return csrf_token_from(client.get("/").get_data(as_text=True))


@pytest.mark.parametrize("role", list(Role))
def test_new_contact_per_role(role, login_as, create_employer):
    employer = create_employer()
    client = login_as(role)
    url = f"/employers/{employer.id}/contacts/new"
    allowed = role in LOGGER_ROLES
    assert client.get(url).status_code == (200 if allowed else 403)
    response = client.post(url, data=contact_form(page_token(client)))
    assert response.status_code == (302 if allowed else 403)
    contact = db.session.scalar(select(Contact))
    if allowed:
        assert response.headers["Location"].endswith(f"/employers/{employer.id}#panel-contacts")
        assert contact.full_name == "Anna Schulz" and contact.is_primary
        assert contact.data_source == "Visitenkarte, Messe Hamburg 2026"
    else:
        assert contact is None


@pytest.mark.parametrize("role", list(Role))
def test_edit_archive_restore_per_role(role, login_as, create_employer, create_contact):
    contact = create_contact(create_employer(), "Schulz")
    client = login_as(role)
    allowed = role in LOGGER_ROLES
    assert client.get(f"/contacts/{contact.id}/edit").status_code == (200 if allowed else 403)
    token = page_token(client)
    response = client.post(f"/contacts/{contact.id}/edit", data=contact_form(token, version=str(contact.version)))
    assert response.status_code == (302 if allowed else 403)
    assert client.post(f"/contacts/{contact.id}/archive", data={"csrf_token": token}).status_code == (
        302 if allowed else 403
    )
    if not allowed:
        services.archive_contact(contact=db.session.get(Contact, contact.id))
        db.session.commit()
    response = client.post(f"/contacts/{contact.id}/restore", data={"csrf_token": token})
    assert response.status_code == (302 if role == Role.ADMIN else 403)
    db.session.expire_all()
    assert (db.session.get(Contact, contact.id).archived_at is None) == (role == Role.ADMIN)


@pytest.mark.parametrize("role", list(Role))
def test_everyone_may_download_the_vcard(role, login_as, create_employer, create_contact):
    contact = create_contact(create_employer(), "Schulz")
    assert login_as(role).get(f"/contacts/{contact.id}.vcf").status_code == 200


def test_unknown_ids_are_404(login_as):
    client = login_as(Role.ADMIN)
    assert client.get("/employers/999/contacts/new").status_code == 404
    assert client.get("/contacts/999/edit").status_code == 404


def test_form_is_german_and_explains_the_data_origin(login_as, create_employer):
    employer = create_employer()
    html = login_as(Role.COACH).get(f"/employers/{employer.id}/contacts/new").get_data(as_text=True)
    for text in (
        "Neue*r Ansprechpartner*in",
        "Nachname",
        "Herkunft der Daten",
        "Datenschutzrecht",
        "Nicht kontaktieren",
    ):
        assert text in html
    assert 'type="tel"' in html and 'type="email"' in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("last_name", "", "Bitte geben Sie den Nachnamen ein."),
        ("last_name", "x" * 81, "Bitte verwenden Sie höchstens 80 Zeichen."),
        ("email", "anna.schulz(at)firma", "Bitte geben Sie eine gültige E-Mail-Adresse ein"),
        ("phone", "Zentrale fragen", "Bitte geben Sie eine Telefonnummer mit mindestens 6 Ziffern ein"),
        ("mobile", "0171", "Bitte geben Sie eine Telefonnummer mit mindestens 6 Ziffern ein"),
        ("title", "x" * 41, "Bitte verwenden Sie höchstens 40 Zeichen."),
        ("data_source", "x" * 201, "Bitte verwenden Sie höchstens 200 Zeichen."),
    ],
)
def test_bad_input_gets_a_german_message_at_the_field_and_keeps_the_input(
    field, value, message, login_as, create_employer
):
    employer = create_employer()
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/contacts/new"
    response = client.post(url, data=contact_form(form_token(client, url), **{field: value}, notes="Mag Kaffee"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    assert "Mag Kaffee" in html
    if field != "phone":
        assert 'value="040 123456-12"' in html
    if value:
        assert value[:40] in html
    assert db.session.scalar(select(Contact)) is None


def test_left_and_primary_together_are_refused_at_the_primary_field(login_as, create_employer):
    employer = create_employer()
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/contacts/new"
    response = client.post(url, data=contact_form(form_token(client, url), is_primary="y", has_left="y"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="is_primary-error"' in html
    assert "kann nicht Hauptansprechpartner*in sein" in html


def test_post_without_csrf_token_is_refused(login_as, create_employer, create_contact):
    employer = create_employer()
    contact = create_contact(employer, "Schulz")
    client = login_as(Role.ADMIN)
    data = contact_form("")
    del data["csrf_token"]
    assert client.post(f"/employers/{employer.id}/contacts/new", data=data).status_code == 400
    assert client.post(f"/contacts/{contact.id}/edit", data=data).status_code == 400
    assert client.post(f"/contacts/{contact.id}/archive").status_code == 400


def test_checking_primary_moves_the_flag(login_as, create_employer, create_contact):
    employer = create_employer()
    first = create_contact(employer, "Erste")
    second = create_contact(employer, "Zweite")
    client = login_as(Role.COACH)
    url = f"/contacts/{second.id}/edit"
    token = form_token(client, url)
    data = contact_form(token, last_name="Zweite", is_primary="y", version=str(second.version))
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Contact, second.id).is_primary
    assert not db.session.get(Contact, first.id).is_primary


def test_stale_save_shows_the_other_change_and_keeps_the_typed_input(login_as, create_employer, create_contact):
    employer = create_employer()
    contact = create_contact(employer, "Schulz", function="Assistenz")
    mine, theirs = login_as(Role.COACH, name="Miriam Coach"), login_as(Role.ACQUISITION, name="Jonas Akquise")
    url = f"/contacts/{contact.id}/edit"
    my_page = mine.get(url).get_data(as_text=True)
    their_page = theirs.get(url).get_data(as_text=True)
    version = str(contact.version)
    assert f'name="version" type="hidden" value="{version}"' in my_page

    response = theirs.post(
        url, data=contact_form(csrf_token_from(their_page), function="Filialleitung", version=version)
    )
    assert response.status_code == 302

    response = mine.post(
        url, data=contact_form(csrf_token_from(my_page), function="Personalleitung Nord", version=version)
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Jemand anderes hat die Daten dieser Person inzwischen geändert." in html
    assert "Inzwischen von jemand anderem gespeichert" in html
    assert "Letzte Änderung von Jonas Akquise" in html
    assert "<td>Filialleitung</td><td>Personalleitung Nord</td>" in html  # theirs, mine
    assert 'value="Personalleitung Nord"' in html  # typed input kept in the form
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).function == "Filialleitung"  # nothing lost

    # Saving again is a deliberate overwrite and goes through.
    new_version = str(db.session.get(Contact, contact.id).version)
    assert f'name="version" type="hidden" value="{new_version}"' in html
    data = contact_form(csrf_token_from(html), function="Personalleitung Nord", version=new_version)
    assert mine.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).function == "Personalleitung Nord"


def test_edit_page_shows_history_and_archive_button(login_as, create_employer, create_contact):
    contact = create_contact(create_employer(), "Schulz", do_not_contact=True)
    html = login_as(Role.COACH).get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    assert "Verlauf" in html and "Archivieren" in html and "vCard herunterladen" in html
    assert "Diese Person möchte nicht von uns kontaktiert werden." in html


def test_safe_next_is_followed(login_as, create_employer):
    employer = create_employer()
    client = login_as(Role.COACH)
    url = f"/employers/{employer.id}/contacts/new?next=/employers"
    response = client.post(url, data=contact_form(form_token(client, url)))
    assert response.headers["Location"] == "/employers"
    url = f"/employers/{employer.id}/contacts/new?next=//evil.example.org"
    response = client.post(url, data=contact_form(form_token(client, url)))
    assert response.headers["Location"].endswith(f"/employers/{employer.id}#panel-contacts")


@pytest.mark.parametrize("role", list(Role))
def test_make_primary_per_role(role, login_as, create_employer, create_contact):
    employer = create_employer()
    first = create_contact(employer, "Erste")
    second = create_contact(employer, "Zweite")
    client = login_as(role)
    response = client.post(f"/contacts/{second.id}/primary", data={"csrf_token": page_token(client)})
    allowed = role in LOGGER_ROLES
    assert response.status_code == (302 if allowed else 403)
    db.session.expire_all()
    assert db.session.get(Contact, second.id).is_primary == allowed
    assert db.session.get(Contact, first.id).is_primary != allowed


def test_make_primary_refuses_a_person_who_left(login_as, create_employer, create_contact):
    employer = create_employer()
    create_contact(employer, "Erste")
    gone = create_contact(employer, "Gegangen", has_left=True)
    client = login_as(Role.COACH)
    response = client.post(
        f"/contacts/{gone.id}/primary", data={"csrf_token": page_token(client)}, follow_redirects=True
    )
    assert "kann nicht Hauptansprechpartner*in sein" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(Contact, gone.id).is_primary
