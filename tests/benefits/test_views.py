"""Benefits pages per role: calculator, the printable sheet with sources and dates, the legal facts (admin)."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.auth.models import Role
from crm.benefits.models import LegalFact
from crm.benefits.services import facts_in_force, seed_legal_facts
from crm.extensions import db
from tests.helpers import form_token

QUERY = "workplaces=100&employed=2&order_labour=10000&wage_cost=2400"


def fact(key: str, valid_from: date | None = None) -> LegalFact:
    query = select(LegalFact).where(LegalFact.key == key).order_by(LegalFact.valid_from.desc())
    if valid_from:
        query = query.where(LegalFact.valid_from == valid_from)
    db.session.expire_all()
    return db.session.scalars(query).first()


@pytest.fixture
def employer(create_employer):
    return create_employer("Logistik Nord GmbH")


def test_facts_are_seeded_from_facts_md_and_marked_for_review():
    assert fact("levy_ge60_zero", date(2025, 1, 1)).amount == 815
    assert fact("levy_ge60_zero", date(2024, 1, 1)).amount == 720
    assert fact("levy_lt40_zero").amount is None
    assert all(f.needs_review for f in db.session.scalars(select(LegalFact)))
    count = len(db.session.scalars(select(LegalFact)).all())
    seed_legal_facts()
    assert len(db.session.scalars(select(LegalFact)).all()) == count


def test_the_figure_in_force_depends_on_the_day():
    assert facts_in_force(date(2024, 6, 1))["levy_ge60_3_5"].amount == 140
    assert facts_in_force(date(2025, 6, 1))["levy_ge60_3_5"].amount == 155
    assert "levy_ge60_3_5" not in facts_in_force(date(2023, 6, 1))
    assert facts_in_force(date(2023, 6, 1))["workshop_order_offset_percent"].amount == 50


@pytest.mark.parametrize("role", list(Role))
def test_pages_per_role(role, login_as, employer):
    client = login_as(role)
    everyone = set(Role)
    pages = {
        f"/employers/{employer.id}/benefits": everyone,
        f"/employers/{employer.id}/benefits?{QUERY}": everyone,
        f"/employers/{employer.id}/benefits/sheet?{QUERY}": everyone,
        "/benefits/facts": {Role.ADMIN},
        "/benefits/facts/new": {Role.ADMIN},
        f"/benefits/facts/{fact('bfa_max_percent').id}/edit": {Role.ADMIN},
    }
    for url, allowed in pages.items():
        assert client.get(url).status_code == (200 if role in allowed else 403), url


def test_calculator_shows_levy_offset_and_subsidy(login_as, employer):
    html = login_as(Role.COACH).get(f"/employers/{employer.id}/benefits?{QUERY}").get_data(as_text=True)
    assert "9.900,00" in html  # 3 unfilled × 275 € × 12
    assert "5.000,00" in html  # half of 10,000 € labour share
    assert "19.800,00" in html  # labour share that offsets the whole levy
    assert "1.800,00" in html  # 75 % of 2,400 €


def test_calculator_bad_input_shows_german_messages_at_the_fields(login_as, employer):
    client = login_as(Role.VIEWER)
    response = client.get(f"/employers/{employer.id}/benefits?workplaces=-3&employed=abc&wage_cost=viel")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte geben Sie eine ganze Zahl ab 0 ein, z. B. 85." in html
    assert 'value="viel"' in html
    response = client.get(f"/employers/{employer.id}/benefits?workplaces=10&employed=12")
    assert "Es können nicht mehr sein als Arbeitsplätze." in response.get_data(as_text=True)
    response = client.get(f"/employers/{employer.id}/benefits?workplaces=100&employed=2.3")
    assert response.status_code == 422
    sheet = client.get(f"/employers/{employer.id}/benefits/sheet?workplaces=-1")
    assert sheet.status_code == 302


def test_small_employer_without_entered_rate_says_so(login_as, employer):
    html = (
        login_as(Role.VIEWER).get(f"/employers/{employer.id}/benefits?workplaces=30&employed=0").get_data(as_text=True)
    )
    assert "der Betrag für Arbeitgeber dieser Größe ist noch nicht eingetragen" in html


def test_sheet_names_sources_and_the_date_of_the_figures(login_as, employer):
    html = login_as(Role.ACQUISITION).get(f"/employers/{employer.id}/benefits/sheet?{QUERY}").get_data(as_text=True)
    assert "Ihre Vorteile" in html and "Logistik Nord GmbH" in html
    assert "SGB IX § 223" in html and "SGB IX § 61" in html
    assert "Stand der Zahlen: 01.01.2025." in html
    assert "Keine Rechtsberatung." in html
    assert "noch nicht von der Administration geprüft" in html  # the seeded figures await review


def test_admin_reviews_a_fact_and_the_warning_goes(login_as, employer):
    client = login_as(Role.ADMIN)
    for key in (
        "levy_ge60_2_3",
        "workshop_order_offset_percent",
        "bfa_max_percent",
        "quota_percent",
        "return_to_workshop",
        "outsourced_workplace",
        "bfa_cap_removed",
        "bfau",
    ):
        target = fact(key)
        url = f"/benefits/facts/{target.id}/edit"
        data = {
            "csrf_token": form_token(client, url),
            "key": target.key,
            "label": target.label,
            "amount": str(target.amount) if target.amount is not None else "",
            "unit": target.unit or "",
            "text": target.text or "",
            "valid_from": target.valid_from.isoformat() if target.valid_from else "",
            "source": target.source or "",
            "reviewed": "y",
        }
        assert client.post(url, data=data).status_code == 302, key
    checked = fact("levy_ge60_2_3")
    assert not checked.needs_review and checked.reviewed_at is not None and checked.reviewed_by_id == client.user.id
    html = client.get(f"/employers/{employer.id}/benefits/sheet?{QUERY}").get_data(as_text=True)
    assert "noch nicht von der Administration geprüft" not in html


def test_new_figure_for_a_key_applies_from_its_date(login_as):
    client = login_as(Role.ADMIN)
    old = fact("levy_ge60_zero")
    url = f"/benefits/facts/new?from={old.id}"
    data = {
        "csrf_token": form_token(client, url),
        "key": old.key,
        "label": old.label,
        "amount": "900",
        "unit": "EUR",
        "valid_from": "2025-01-01",
        "source": "BIH",
    }
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "Für diese Angabe gibt es schon einen Wert ab diesem Datum." in response.get_data(as_text=True)
    assert client.post(url, data={**data, "valid_from": "2026-01-01"}).status_code == 302
    assert facts_in_force(date(2026, 2, 1))["levy_ge60_zero"].amount == Decimal(900)
    assert facts_in_force(date(2025, 12, 31))["levy_ge60_zero"].amount == Decimal(815)


def test_fact_form_rejects_bad_keys_and_empty_values(login_as):
    client = login_as(Role.ADMIN)
    url = "/benefits/facts/new"
    response = client.post(url, data={"csrf_token": form_token(client, url), "key": "Böse Taste", "label": "X"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte verwenden Sie nur Kleinbuchstaben, Ziffern und _." in html
    response = client.post(url, data={"csrf_token": form_token(client, url), "key": "neu", "label": "X"})
    assert "Bitte geben Sie eine Zahl oder die Angabe in Worten ein." in response.get_data(as_text=True)


def test_fact_form_without_csrf_is_refused(login_as):
    client = login_as(Role.ADMIN)
    assert client.post("/benefits/facts/new", data={"key": "x", "label": "y", "text": "z"}).status_code == 400


def test_employed_without_workplaces_asks_for_the_workplaces(login_as, employer):
    response = login_as(Role.VIEWER).get(f"/employers/{employer.id}/benefits?workplaces=&employed=2")
    assert response.status_code == 422
    assert "Bitte geben Sie auch die Zahl der Arbeitsplätze ein." in response.get_data(as_text=True)


def test_reseeding_leaves_edited_facts_alone():
    edited = fact("levy_ge60_zero", date(2025, 1, 1))
    edited.valid_from = date(2025, 2, 1)
    db.session.commit()
    seed_legal_facts()
    assert fact("levy_ge60_zero", date(2025, 1, 1)) is None


def test_calculator_accepts_german_decimal_commas(login_as, employer):
    html = (
        login_as(Role.VIEWER)
        .get(f"/employers/{employer.id}/benefits?workplaces=100&employed=2,5&order_labour=12.000,50")
        .get_data(as_text=True)
    )
    assert "2,5 (Quote 2,5 %)" in html
    assert "12.000,50" in html
