"""Referral pages per role: new recommended employer, "recommended by", thank-you, providers, partners,
insights (with query counts); bad input, duplicates, CSRF, the panel."""

from datetime import date

import pytest
from sqlalchemy import func, select

from crm.auth.models import Role
from crm.employers.models import Employer, EmployerSource
from crm.extensions import db
from crm.followups.models import FollowUp
from crm.panels import panels_for
from crm.referrals.models import Partner, ProviderInvolvement, Referral
from crm.referrals.services import record_referral
from tests.helpers import count_queries, csrf_token_from, form_token

LOGGERS = {Role.ADMIN, Role.ACQUISITION, Role.COACH}
EDITORS = {Role.ADMIN, Role.ACQUISITION}
ADMINS = {Role.ADMIN}


def partner(name: str = "Agentur für Arbeit") -> Partner:
    return db.session.scalar(select(Partner).where(Partner.name == name))


def referrals() -> list[Referral]:
    db.session.expire_all()
    return list(db.session.scalars(select(Referral)))


@pytest.fixture
def referrer(create_employer):
    return create_employer("Kita Sonnenschein")


@pytest.mark.parametrize("role", list(Role))
def test_pages_per_role(role, login_as, referrer):
    client = login_as(role)
    pages = {
        f"/referrals/new?referrer={referrer.id}": EDITORS,
        "/referrals/new": EDITORS,
        f"/employers/{referrer.id}/referrals/new": EDITORS,
        f"/employers/{referrer.id}/providers": EDITORS,
        "/referrals/partners": ADMINS,
        "/referrals/partners/new": ADMINS,
        f"/referrals/partners/{partner().id}/edit": ADMINS,
        "/insights/referrals": set(Role),
        f"/insights/referrals/by?partner={partner().id}": set(Role),
        f"/insights/referrals/by?employer={referrer.id}": set(Role),
    }
    for url, allowed in pages.items():
        assert client.get(url).status_code == (200 if role in allowed else 403), url


@pytest.mark.parametrize("role", list(Role))
def test_posts_per_role(role, login_as, create_employer, referrer):
    referred = create_employer("Kita Regenbogen", stage_key="cooperation")
    referral = record_referral(referred=referred, referred_on=date.today(), actor=None, referrer_employer=referrer)
    db.session.commit()
    client = login_as(role)
    token = csrf_token_from(client.get("/insights/referrals").get_data(as_text=True))
    response = client.post(f"/referrals/{referral.id}/thanks/dismiss", data={"csrf_token": token})
    assert response.status_code == (302 if role in LOGGERS else 403)
    response = client.post(f"/referrals/{referral.id}/archive", data={"csrf_token": token})
    assert response.status_code == (302 if role in EDITORS else 403)


def test_create_recommended_employer_sets_source_and_link(login_as, referrer, create_contact):
    contact = create_contact(referrer, "Meier")
    client = login_as(Role.ACQUISITION)
    url = f"/referrals/new?referrer={referrer.id}"
    response = client.post(
        url,
        data={
            "csrf_token": form_token(client, url),
            "name": "Kita Regenbogen",
            "postcode": "22761",
            "city": "Hamburg",
            "contact_id": str(contact.id),
            "referred_on": date.today().isoformat(),
            "note": "Beim Elternabend erzählt",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [referral] = referrals()
    employer = db.session.get(Employer, referral.referred_id)
    assert employer.name == "Kita Regenbogen" and employer.source == EmployerSource.REFERRAL
    assert employer.owner_id == client.user.id
    assert (referral.referrer_employer_id, referral.referrer_contact_id) == (referrer.id, contact.id)
    assert response.headers["Location"].endswith(f"/employers/{employer.id}")


def test_create_from_partner_needs_the_partner(login_as):
    client = login_as(Role.ADMIN)
    url = "/referrals/new"
    token = form_token(client, url)
    data = {"csrf_token": token, "name": "Tischlerei Holz", "referred_on": date.today().isoformat(), "partner_id": ""}
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "Bitte wählen Sie den Netzwerkpartner, der den Arbeitgeber empfohlen hat." in response.get_data(as_text=True)
    response = client.post(url, data={**data, "partner_id": str(partner().id)})
    assert response.status_code == 302
    [referral] = referrals()
    assert referral.partner_id == partner().id


def test_bad_input_keeps_what_was_typed(login_as, referrer):
    client = login_as(Role.ACQUISITION)
    url = f"/referrals/new?referrer={referrer.id}"
    response = client.post(
        url,
        data={
            "csrf_token": form_token(client, url),
            "name": "",
            "postcode": "2276",
            "city": "Hamburg-Altona",
            "email": "kein-mail",
            "referred_on": "",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte geben Sie den Namen ein." in html
    assert "Bitte geben Sie eine fünfstellige Postleitzahl ein, z. B. 22761." in html
    assert "Hamburg-Altona" in html and "kein-mail" in html
    assert referrals() == []


def test_duplicate_warning_before_creating(login_as, referrer, create_employer):
    create_employer("Kita Regenbogen", postcode="22761")
    client = login_as(Role.ACQUISITION)
    url = f"/referrals/new?referrer={referrer.id}"
    data = {
        "csrf_token": form_token(client, url),
        "name": "Kita Regenbogen",
        "postcode": "22761",
        "referred_on": date.today().isoformat(),
    }
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "Diesen Arbeitgeber gibt es vielleicht schon" in response.get_data(as_text=True)
    assert referrals() == []
    assert client.post(url, data={**data, "confirm_duplicate": "y"}).status_code == 302
    assert len(referrals()) == 1


def test_post_without_csrf_is_refused(login_as, referrer):
    client = login_as(Role.ADMIN)
    response = client.post(f"/referrals/new?referrer={referrer.id}", data={"name": "X", "referred_on": "2026-01-01"})
    assert response.status_code == 400


def test_record_who_recommended_an_existing_employer(login_as, create_employer, referrer):
    referred = create_employer("Hotel Hafen")
    create_employer("Kita Sonnenschein Nord")
    client = login_as(Role.ACQUISITION)
    url = f"/employers/{referred.id}/referrals/new"
    token = form_token(client, url)
    data = {"csrf_token": token, "referrer_name": "sonnenschein", "referred_on": date.today().isoformat()}
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "Mehrere Arbeitgeber passen. Bitte wählen Sie einen aus." in response.get_data(as_text=True)
    response = client.post(url, data={**data, "referrer_id": str(referrer.id)})
    assert response.status_code == 302
    [referral] = referrals()
    assert (referral.referrer_employer_id, referral.referred_id) == (referrer.id, referred.id)


def test_record_who_recommended_refuses_unknown_names_and_both_kinds(login_as, create_employer, referrer):
    referred = create_employer("Hotel Hafen")
    client = login_as(Role.ADMIN)
    url = f"/employers/{referred.id}/referrals/new"
    token = form_token(client, url)
    day = date.today().isoformat()
    response = client.post(url, data={"csrf_token": token, "referrer_name": "Gibtsnicht", "referred_on": day})
    assert "Kein Arbeitgeber mit diesem Namen gefunden." in response.get_data(as_text=True)
    response = client.post(
        url, data={"csrf_token": token, "referrer_name": "Kita", "partner_id": str(partner().id), "referred_on": day}
    )
    assert "nicht beides" in response.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token, "referred_on": day})
    assert response.status_code == 422
    assert referrals() == []


def test_thanks_followup_is_created_on_one_click(login_as, create_employer, referrer):
    referred = create_employer("Kita Regenbogen", stage_key="cooperation")
    referral = record_referral(referred=referred, referred_on=date.today(), actor=None, referrer_employer=referrer)
    db.session.commit()
    client = login_as(Role.COACH)
    token = csrf_token_from(client.get("/insights/referrals").get_data(as_text=True))
    response = client.post(f"/referrals/{referral.id}/thanks", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    followup = db.session.scalar(select(FollowUp))
    assert followup.employer_id == referrer.id and followup.assigned_to_id == client.user.id
    response = client.post(f"/referrals/{referral.id}/thanks", data={"csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 1


def test_providers_page_adds_and_removes(login_as, referrer):
    client = login_as(Role.ACQUISITION)
    url = f"/employers/{referrer.id}/providers"
    token = form_token(client, url)
    response = client.post(url, data={"csrf_token": token, "partner_id": ""})
    assert response.status_code == 422 and "Bitte wählen Sie einen Anbieter." in response.get_data(as_text=True)
    provider = partner("Integrationsfachdienst (IFD)")
    assert (
        client.post(url, data={"csrf_token": token, "partner_id": str(provider.id), "note": "Herr B."}).status_code
        == 302
    )
    db.session.expire_all()
    involvement = db.session.scalar(select(ProviderInvolvement))
    assert involvement.note == "Herr B."
    assert client.post(f"/referrals/providers/{involvement.id}/remove", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ProviderInvolvement, involvement.id).archived_at is not None


def test_admin_edits_partners(login_as):
    client = login_as(Role.ADMIN)
    url = "/referrals/partners/new"
    token = form_token(client, url)
    response = client.post(url, data={"csrf_token": token, "name": "Handelskammer", "kind": "chamber", "active": "y"})
    assert response.status_code == 422
    response = client.post(url, data={"csrf_token": token, "name": "Lions Club", "kind": "association", "active": "y"})
    assert response.status_code == 302
    assert partner("Lions Club") is not None


def test_panel_shows_the_tree_and_the_thanks_banner(app, login_as, create_employer, referrer):
    referred = create_employer("Kita Regenbogen", stage_key="cooperation")
    record_referral(referred=referred, referred_on=date.today(), actor=None, referrer_employer=referrer)
    db.session.commit()
    client = login_as(Role.COACH)
    with app.test_request_context():
        from flask import render_template
        from flask_login import login_user

        login_user(client.user)
        [(panel, context)] = [(p, c) for p, c in panels_for(referrer) if p.key == "referrals"]
        html = render_template(panel.template, employer=referrer, panel=panel, **context)
    assert "Kita Regenbogen" in html and "Dankeschön-Wiedervorlage anlegen" in html


def test_insights_use_a_constant_number_of_queries(app, login_as, create_employer):
    client = login_as(Role.VIEWER)

    def add(n: int, prefix: str) -> None:
        source = create_employer(f"Quelle {prefix}")
        for i in range(n):
            record_referral(
                referred=create_employer(f"{prefix} {i}"),
                referred_on=date.today(),
                actor=None,
                referrer_employer=source,
            )
        db.session.commit()

    add(2, "A")
    with count_queries(app) as few:
        assert client.get("/insights/referrals").status_code == 200
    add(10, "B")
    with count_queries(app) as many:
        html = client.get("/insights/referrals").get_data(as_text=True)
    assert len(few) == len(many)
    assert "Quelle B" in html and "<caption" in html


def test_timeline_lists_referrals_on_both_employers(create_employer, referrer):
    from crm.timeline import employer_timeline

    referred = create_employer("Kita Regenbogen")
    record_referral(referred=referred, referred_on=date.today(), actor=None, referrer_employer=referrer)
    db.session.commit()
    for employer_id in (referrer.id, referred.id):
        page = employer_timeline(employer_id, kinds={"referral"})
        assert [entry.item.referred.name for entry in page.entries] == ["Kita Regenbogen"]
