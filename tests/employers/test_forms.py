"""Employer form validation: German messages at the field, nothing typed is lost."""

import re

import pytest
from sqlalchemy import func, select

from crm.auth.models import Role
from crm.employers.models import Employer
from crm.employers.services import stage_by_key
from crm.extensions import db
from tests.helpers import form_token

VALID = {
    "name": "Gartenwerk Ottensen",
    "street": "Bahrenfelder Straße 201",
    "postcode": "22765",
    "city": "Hamburg",
    "district": "Ottensen",
    "phone": "+49 (0)40 390-66 77",
    "email": "ole@gartenwerk.example.org",
    "website": "www.gartenwerk.example.org",
    "tags": "draußen, Saison",
    "notes": "Ruhiger Betrieb, gute Anleitung.",
}


def _post(client, **changes):
    data = VALID | {"stage_id": str(stage_by_key("lead").id), "csrf_token": form_token(client, "/employers/new")}
    data.update(changes)
    return client.post("/employers/new", data=data)


def _error_of(page: str, field: str) -> str:
    match = re.search(rf'<div id="{field}-error" class="invalid-feedback d-block">([^<]*)</div>', page)
    assert match, f"no error shown at {field}"
    return match.group(1)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Bitte geben Sie den Namen des Arbeitgebers ein."),
        ("name", "   ", "Bitte geben Sie den Namen des Arbeitgebers ein."),
        ("postcode", "2276", "Bitte geben Sie eine fünfstellige Postleitzahl ein, z. B. 22761."),
        ("postcode", "227610", "Bitte geben Sie eine fünfstellige Postleitzahl ein, z. B. 22761."),
        ("postcode", "22 761", "Bitte geben Sie eine fünfstellige Postleitzahl ein, z. B. 22761."),
        ("postcode", "D-22761", "Bitte geben Sie eine fünfstellige Postleitzahl ein, z. B. 22761."),
        ("email", "ole@", "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@firma.de."),
        ("email", "ole at gartenwerk.de", "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@firma.de."),
        ("website", "gartenwerk", "Bitte geben Sie eine Internetadresse ein, z. B. www.firma.de."),
        ("website", "ftp://gartenwerk.de", "Bitte geben Sie eine Internetadresse ein, z. B. www.firma.de."),
        ("website", "www.garten werk.de", "Bitte geben Sie eine Internetadresse ein, z. B. www.firma.de."),
        ("phone", "040 12", "Bitte geben Sie eine Telefonnummer mit mindestens 6 Ziffern ein"),
        ("phone", "0800-GARTEN", "Bitte geben Sie eine Telefonnummer mit mindestens 6 Ziffern ein"),
        ("stage_id", "", "Bitte wählen Sie eine Phase."),
    ],
)
def test_bad_input_gets_a_german_message_at_the_field_and_keeps_everything_typed(login_as, field, value, message):
    client = login_as(Role.ACQUISITION)
    response = _post(client, **{field: value})
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert message in _error_of(page, field)
    assert f'aria-describedby="{field}-error"' in page or f'aria-describedby="{field}-hint {field}-error"' in page
    assert "Bitte korrigieren Sie die markierten Felder." in page
    for name, typed in VALID.items():
        if name in (field, "website", "notes"):
            continue
        assert f'value="{typed}"' in page, f"{name} lost"
    assert "Ruhiger Betrieb, gute Anleitung." in page
    if value.strip() and field != "stage_id":
        assert f'value="{value}"' in page, "the wrong input itself is kept, unchanged"
    assert db.session.scalar(select(func.count(Employer.id))) == 0


def test_forged_select_values_are_field_errors_not_500s(login_as):
    client = login_as(Role.ACQUISITION)
    for field in ("industry_id", "owner_id", "site_id", "size_class", "source", "stage_id"):
        response = _post(client, **{field: "999999"})
        assert response.status_code == 422, field
        assert f'id="{field}-error"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "phone", ["040 123456", "+49 40 123456-0", "(040) 12 34 56", "0171/1234567", "+49 (0)40 390-66 77"]
)
def test_plausible_phone_numbers_are_accepted(login_as, phone):
    client = login_as(Role.ACQUISITION)
    assert _post(client, phone=phone).status_code == 302


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("www.firma.de", "https://www.firma.de"),
        ("firma.de/kontakt", "https://firma.de/kontakt"),
        ("http://firma.de", "http://firma.de"),
        ("https://www.firma.de/", "https://www.firma.de/"),
    ],
)
def test_web_addresses_get_a_scheme(login_as, typed, stored):
    client = login_as(Role.ACQUISITION)
    assert _post(client, website=typed).status_code == 302
    assert db.session.scalar(select(Employer.website)) == stored


def test_empty_optional_fields_are_stored_as_null(login_as):
    client = login_as(Role.ACQUISITION)
    empty = {key: "" for key in VALID if key != "name"}
    assert _post(client, **empty).status_code == 302
    employer = db.session.scalar(select(Employer))
    assert employer.postcode is None and employer.email is None and employer.website is None and employer.tags == []


def test_nul_bytes_and_blanks_are_stripped(login_as):
    client = login_as(Role.ACQUISITION)
    assert _post(client, name="  Garten\x00werk  ").status_code == 302
    assert db.session.scalar(select(Employer.name)) == "Gartenwerk"


def test_edit_form_with_bad_input_keeps_the_input_and_the_version(login_as, make_employer):
    employer = make_employer()
    client = login_as(Role.ACQUISITION)
    url = f"/employers/{employer.id}/edit"
    response = client.post(
        url, data={"csrf_token": form_token(client, url), "version": "1", "name": "Neu", "postcode": "123"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "fünfstellige Postleitzahl" in _error_of(page, "postcode")
    assert 'value="Neu"' in page and 'value="123"' in page
    assert 'name="version" type="hidden" value="1"' in page
