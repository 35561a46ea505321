"""The employer list /employers: roles, search, filters, sorting, pagination, htmx updates."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from crm.auth.models import Role
from crm.db import utcnow
from crm.employers import listing
from crm.employers.models import Employer, EmployerSource, Industry, Stage, Tag
from crm.employers.normalize import normalize_name
from crm.extensions import db
from crm.sites.models import Site
from tests.employers.test_search import add_activity, add_contact, add_employer

ALL_ROLES = [Role.ADMIN, Role.ACQUISITION, Role.COACH, Role.VIEWER]


def names_in(html: str) -> list[str]:
    """The employer names of the result rows, in order."""
    return re.findall(r'<a class="fw-semibold" href="/employers/\d+">([^<]+)</a>', html)


def page_html(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def stage(key: str) -> Stage:
    return db.session.scalar(select(Stage).where(Stage.key == key))


def bulk_employers(count: int, *, prefix: str = "Firma", stage_key: str = "lead", **fields) -> None:
    """Insert many employers in one statement (the search triggers fill their documents)."""
    stage_id = stage(stage_key).id
    now = utcnow()
    rows = [
        {
            "name": f"{prefix} {i:05d}",
            "normalized_name": normalize_name(f"{prefix} {i:05d}"),
            "stage_id": stage_id,
            "stage_changed_at": now,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            **fields,
        }
        for i in range(count)
    ]
    db.session.execute(insert(Employer), rows)
    db.session.commit()


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_may_open_the_list(login_as, role):
    add_employer("Bäckerei Müller")
    db.session.commit()
    html = page_html(login_as(role), "/employers")
    assert names_in(html) == ["Bäckerei Müller"]
    assert "<h1" in html and "Arbeitgeber" in html


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/employers")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("role", "shown"), [(Role.ADMIN, True), (Role.ACQUISITION, True), (Role.COACH, False), (Role.VIEWER, False)]
)
def test_new_employer_button_only_for_editors(login_as, role, shown):
    html = page_html(login_as(role), "/employers")
    assert ('href="/employers/new"' in html) is shown


@pytest.mark.parametrize(
    ("role", "shown"), [(Role.ADMIN, True), (Role.ACQUISITION, True), (Role.COACH, True), (Role.VIEWER, False)]
)
def test_log_contact_link_for_those_who_log_activities(app, login_as, role, shown):
    employer = add_employer("Bäckerei Müller")
    db.session.commit()
    html = page_html(login_as(role), "/employers")
    assert (f'href="/employers/{employer.id}/activities/new"' in html) is shown


# --- columns ------------------------------------------------------------------------------------


def test_row_shows_name_link_stage_district_owner_and_last_contact(login_as):
    client = login_as(Role.ACQUISITION)
    owner = client.user
    employer = add_employer(
        "Bäckerei Müller",
        stage="talks",
        district="Ottensen",
        owner_id=owner.id,
        last_contact_at=utcnow() - timedelta(days=3),
    )
    db.session.commit()
    html = page_html(client, "/employers")
    assert f'href="/employers/{employer.id}"' in html
    assert "Im Gespräch" in html
    assert 'data-label="Stadtteil">Ottensen' in html
    assert owner.name in html
    assert "vor 3 Tagen" in html


def test_never_contacted_employer_says_never(login_as):
    add_employer("Neue Firma")
    db.session.commit()
    assert "nie" in page_html(login_as(Role.VIEWER), "/employers")


def test_do_not_contact_is_marked_in_words(login_as):
    add_employer("Sperrfirma", stage="do_not_contact")
    db.session.commit()
    html = page_html(login_as(Role.VIEWER), "/employers")
    assert "Nicht kontaktieren" in html
    assert "stage-badge-dnc" in html  # the shared badge adds a sign and a screen-reader warning


def test_user_text_is_escaped(login_as):
    add_employer("<script>alert(1)</script> GmbH", district="<b>Altona</b>")
    db.session.commit()
    html = page_html(login_as(Role.VIEWER), "/employers")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>Altona</b>" not in html


def test_result_count_uses_german_number_format(login_as):
    bulk_employers(1234)
    html = page_html(login_as(Role.VIEWER), "/employers")
    assert "1.234 Arbeitgeber" in html
    assert "Seite 1 von 50" in html


def test_one_result_is_singular(login_as):
    add_employer("Einzige Firma")
    db.session.commit()
    assert "1 Arbeitgeber<" in page_html(login_as(Role.VIEWER), "/employers").replace("\n", "")


def test_empty_result_says_so_and_offers_a_reset(login_as):
    html = page_html(login_as(Role.VIEWER), "/employers?q=nichtvorhanden")
    assert "Keine Arbeitgeber gefunden für „nichtvorhanden“" in html or "nichtvorhanden" in html
    assert "Filter zurücksetzen" in html


# --- next follow-up -----------------------------------------------------------------------------


def _followup(employer, user, due: date, status=None):
    from crm.followups.models import FollowUp, FollowUpStatus

    followup = FollowUp(
        employer_id=employer.id,
        assigned_to_id=user.id,
        title="Nachfassen",
        due_date=due,
        status=status or FollowUpStatus.OPEN,
    )
    db.session.add(followup)
    db.session.flush()
    return followup


@pytest.fixture
def followups_domain():
    """The follow-ups domain is part of the product: the column must be backed by it."""
    assert listing.FollowUp is not None


def test_next_follow_up_is_the_earliest_open_one(login_as, followups_domain):
    from crm.followups.models import FollowUpStatus

    client = login_as(Role.ACQUISITION)
    employer = add_employer("Bäckerei Müller")
    today = date.today()
    _followup(employer, client.user, today + timedelta(days=20))
    _followup(employer, client.user, today + timedelta(days=9))
    _followup(employer, client.user, today + timedelta(days=2), status=FollowUpStatus.DONE)
    db.session.commit()
    html = page_html(client, "/employers")
    assert f'datetime="{(today + timedelta(days=9)).isoformat()}"' in html
    assert f'datetime="{(today + timedelta(days=2)).isoformat()}"' not in html


def test_overdue_follow_up_is_marked_in_words(login_as, followups_domain):
    client = login_as(Role.ACQUISITION)
    employer = add_employer("Bäckerei Müller")
    _followup(employer, client.user, date.today() - timedelta(days=4))
    db.session.commit()
    assert "überfällig" in page_html(client, "/employers")


def test_without_the_follow_ups_domain_the_column_shows_a_dash(login_as, monkeypatch):
    monkeypatch.setattr(listing, "FollowUp", None)
    monkeypatch.setattr("crm.employers.list_views.FollowUpModel", None)
    add_employer("Bäckerei Müller")
    db.session.commit()
    client = login_as(Role.VIEWER)
    html = page_html(client, "/employers")
    assert 'data-label="Nächste Wiedervorlage"><span aria-hidden="true">–</span>' in html
    assert 'value="next_followup"' not in html
    # A bookmarked sort by next follow-up falls back to a message, not an error page.
    html = page_html(client, "/employers?sort=next_followup", status=422)
    assert names_in(html) == ["Bäckerei Müller"]


# --- search -------------------------------------------------------------------------------------


@pytest.fixture
def firms(app):
    """Three firms with contacts and activities; one archived."""
    bakery = add_employer("Bäckerei Müller GmbH", district="Ottensen", notes="Backstube")
    garden = add_employer("Gärtnerei Blumenthal", district="Altona-Nord")
    add_contact(garden, "Schröder", first_name="Hanna")
    add_activity(bakery, "Erstgespräch", summary="Interesse an Spülküche")
    old = add_employer("Alte Bäckerei Ost", archived_at=utcnow())
    db.session.commit()
    return {"bakery": bakery, "garden": garden, "old": old}


def test_search_finds_umlaut_prefix_case_insensitively(login_as, firms):
    assert names_in(page_html(login_as(Role.VIEWER), "/employers?q=bäck")) == ["Bäckerei Müller GmbH"]


def test_search_finds_by_contact_name_and_activity_text(login_as, firms):
    client = login_as(Role.VIEWER)
    assert names_in(page_html(client, "/employers?q=Schröder")) == ["Gärtnerei Blumenthal"]
    assert names_in(page_html(client, "/employers?q=spülküche")) == ["Bäckerei Müller GmbH"]


def test_archived_employers_only_with_the_admin_filter(login_as, firms):
    assert names_in(page_html(login_as(Role.ACQUISITION), "/employers?q=bäckerei&archived=y")) == [
        "Bäckerei Müller GmbH"
    ]
    admin = login_as(Role.ADMIN)
    assert names_in(page_html(admin, "/employers?q=bäckerei")) == ["Bäckerei Müller GmbH"]
    html = page_html(admin, "/employers?q=bäckerei&archived=y")
    assert names_in(html) == ["Alte Bäckerei Ost", "Bäckerei Müller GmbH"]
    assert "Archiviert" in html


@pytest.mark.parametrize("query_text", ['"', "*", "AND", "NEAR(", "bäck*", "' OR 1=1 --", "%", "_", "\\", "ä" * 500])
def test_odd_search_input_never_fails(login_as, firms, query_text):
    client = login_as(Role.VIEWER)
    response = client.get("/employers", query_string={"q": query_text})
    assert response.status_code == 200


def test_search_term_is_kept_in_the_form(login_as, firms):
    html = page_html(login_as(Role.VIEWER), "/employers?q=bäck")
    assert 'name="q"' in html and 'value="bäck"' in html


# --- filters ------------------------------------------------------------------------------------


def test_filter_by_stage_key(login_as):
    add_employer("Lead GmbH")
    add_employer("Partner GmbH", stage="cooperation")
    db.session.commit()
    html = page_html(login_as(Role.VIEWER), "/employers?stage=cooperation")
    assert names_in(html) == ["Partner GmbH"]
    assert '<option selected value="cooperation">' in html


def test_stage_id_from_a_pipeline_link_works_like_the_key(login_as):
    add_employer("Lead GmbH")
    partner = add_employer("Partner GmbH", stage="cooperation")
    db.session.commit()
    html = page_html(login_as(Role.VIEWER), f"/employers?stage={partner.stage_id}")
    assert names_in(html) == ["Partner GmbH"]
    assert '<option selected value="cooperation">' in html


def test_filter_by_owner_me_nobody_and_a_user(login_as, make_user):
    client = login_as(Role.ACQUISITION)
    colleague = make_user(Role.ACQUISITION)
    add_employer("Meine GmbH", owner_id=client.user.id)
    add_employer("Kollegin GmbH", owner_id=colleague.id)
    add_employer("Niemandes GmbH")
    db.session.commit()
    assert names_in(page_html(client, "/employers?owner=me")) == ["Meine GmbH"]
    assert names_in(page_html(client, "/employers?owner=none")) == ["Niemandes GmbH"]
    assert names_in(page_html(client, f"/employers?owner={colleague.id}")) == ["Kollegin GmbH"]


def test_filter_by_site_district_industry_and_source(login_as):
    site = Site(name="Standort Harburg")
    db.session.add(site)
    db.session.flush()
    industry = db.session.scalar(select(Industry).where(Industry.name == "Gastronomie"))
    add_employer(
        "Passend GmbH", site_id=site.id, district="Harburg", industry_id=industry.id, source=EmployerSource.DUODAY
    )
    add_employer("Anders GmbH", district="Harburg", source=EmployerSource.COLD)
    db.session.commit()
    client = login_as(Role.VIEWER)
    assert names_in(page_html(client, f"/employers?site={site.id}")) == ["Passend GmbH"]
    assert names_in(page_html(client, "/employers?district=Harburg")) == ["Anders GmbH", "Passend GmbH"]
    assert names_in(page_html(client, f"/employers?industry={industry.id}")) == ["Passend GmbH"]
    assert names_in(page_html(client, "/employers?source=duoday")) == ["Passend GmbH"]


def test_filter_by_tag(login_as):
    tag = Tag(name="Netzwerk Süd")
    db.session.add(tag)
    employer = add_employer("Mit Tag GmbH")
    employer.tags.append(tag)
    add_employer("Ohne Tag GmbH")
    db.session.commit()
    client = login_as(Role.VIEWER)
    assert names_in(page_html(client, f"/employers?tag={tag.id}")) == ["Mit Tag GmbH"]
    # The employer page links a tag by its name.
    assert names_in(page_html(client, "/employers?tag=Netzwerk+Süd")) == ["Mit Tag GmbH"]


def test_no_contact_for_more_than_n_days_includes_never_contacted(login_as):
    now = utcnow()
    add_employer("Lange her GmbH", last_contact_at=now - timedelta(days=100))
    add_employer("Kürzlich GmbH", last_contact_at=now - timedelta(days=10))
    add_employer("Nie kontaktiert GmbH")
    db.session.commit()
    html = page_html(login_as(Role.VIEWER), "/employers?no_contact_days=90")
    assert names_in(html) == ["Lange her GmbH", "Nie kontaktiert GmbH"]


def test_filters_combine(login_as):
    add_employer("Treffer GmbH", stage="talks", district="Altona")
    add_employer("Falscher Stadtteil GmbH", stage="talks", district="Harburg")
    add_employer("Falsche Phase GmbH", stage="lead", district="Altona")
    db.session.commit()
    assert names_in(page_html(login_as(Role.VIEWER), "/employers?stage=talks&district=Altona&q=gmbh")) == [
        "Treffer GmbH"
    ]


@pytest.mark.parametrize("value", ["0", "-5", "abc", "99999"])
def test_bad_day_count_gets_a_german_message_at_the_field(login_as, value):
    add_employer("Firma GmbH")
    db.session.commit()
    html = page_html(login_as(Role.VIEWER), f"/employers?no_contact_days={value}", status=422)
    assert "Bitte geben Sie eine Zahl von Tagen zwischen 1 und 3650 ein" in html or "Bitte geben Sie" in html
    assert 'aria-invalid="true"' in html
    assert names_in(html) == ["Firma GmbH"]  # the other filters still apply, the bad one is left out


def test_unknown_choice_gets_a_message_not_an_error_page(login_as):
    add_employer("Firma GmbH")
    db.session.commit()
    html = page_html(login_as(Role.VIEWER), "/employers?stage=gibtsnicht&tag=999", status=422)
    assert "Diese Auswahl gibt es nicht" in html
    assert names_in(html) == ["Firma GmbH"]


def test_submitted_empty_fields_redirect_to_the_short_url(login_as):
    response = login_as(Role.VIEWER).get("/employers?q=b%C3%A4ck&stage=&owner=&sort=name&dir=asc")
    assert response.status_code == 302
    assert response.headers["Location"] == "/employers?q=b%C3%A4ck"


# --- sorting and pages --------------------------------------------------------------------------


def test_default_sort_is_by_name_and_can_be_reversed(login_as):
    for name in ("Bert", "Anton", "Cäsar"):
        add_employer(name)
    db.session.commit()
    client = login_as(Role.VIEWER)
    assert names_in(page_html(client, "/employers")) == ["Anton", "Bert", "Cäsar"]
    assert names_in(page_html(client, "/employers?dir=desc")) == ["Cäsar", "Bert", "Anton"]


def test_sort_by_stage_follows_the_pipeline_order(login_as):
    add_employer("Kooperation A", stage="cooperation")
    add_employer("Lead B", stage="lead")
    add_employer("Gespräch C", stage="talks")
    db.session.commit()
    client = login_as(Role.VIEWER)
    assert names_in(page_html(client, "/employers?sort=stage")) == ["Lead B", "Gespräch C", "Kooperation A"]
    assert names_in(page_html(client, "/employers?sort=stage&dir=desc")) == ["Kooperation A", "Gespräch C", "Lead B"]


def test_sort_by_last_contact_puts_never_contacted_first_when_ascending(login_as):
    now = utcnow()
    add_employer("Gestern", last_contact_at=now - timedelta(days=1))
    add_employer("Nie")
    add_employer("Letzten Monat", last_contact_at=now - timedelta(days=30))
    db.session.commit()
    client = login_as(Role.VIEWER)
    assert names_in(page_html(client, "/employers?sort=last_contact")) == ["Nie", "Letzten Monat", "Gestern"]
    assert names_in(page_html(client, "/employers?sort=last_contact&dir=desc")) == ["Gestern", "Letzten Monat", "Nie"]


def test_sort_by_next_follow_up_puts_employers_without_one_last(login_as, followups_domain):
    client = login_as(Role.ACQUISITION)
    today = date.today()
    later = add_employer("Später")
    sooner = add_employer("Bald")
    add_employer("Ohne")
    _followup(later, client.user, today + timedelta(days=30))
    _followup(sooner, client.user, today + timedelta(days=3))
    db.session.commit()
    assert names_in(page_html(client, "/employers?sort=next_followup")) == ["Bald", "Später", "Ohne"]
    assert names_in(page_html(client, "/employers?sort=next_followup&dir=desc")) == ["Später", "Bald", "Ohne"]


def test_equal_names_are_ordered_by_id_so_pages_do_not_overlap(login_as):
    bulk_employers(30, prefix="Gleich", stage_key="lead")
    db.session.execute(Employer.__table__.update().values(name="Gleicher Name"))
    db.session.commit()
    ids = list(db.session.scalars(select(Employer.id).order_by(Employer.id)))
    client = login_as(Role.VIEWER)
    first = re.findall(r'href="/employers/(\d+)"', page_html(client, "/employers"))
    second = re.findall(r'href="/employers/(\d+)"', page_html(client, "/employers?page=2"))
    assert [int(i) for i in first + second] == ids


def test_sort_header_links_toggle_the_direction_and_mark_the_column(login_as):
    add_employer("Firma")
    db.session.commit()
    html = page_html(login_as(Role.VIEWER), "/employers?sort=last_contact")
    assert 'aria-sort="ascending"' in html
    assert 'href="/employers?sort=last_contact&amp;dir=desc"' in html
    assert 'href="/employers?sort=stage"' in html


def test_pagination_keeps_the_filters(login_as):
    bulk_employers(30, district="Altona")
    bulk_employers(5, prefix="Andere", district="Harburg")
    client = login_as(Role.VIEWER)
    html = page_html(client, "/employers?district=Altona")
    assert "30 Arbeitgeber" in html
    assert 'href="/employers?district=Altona&amp;page=2"' in html
    second = page_html(client, "/employers?district=Altona&page=2")
    assert names_in(second) == [f"Firma {i:05d}" for i in range(25, 30)]


@pytest.mark.parametrize(
    ("page", "expected_first"), [("99", "Firma 00025"), ("0", "Firma 00000"), ("x", "Firma 00000")]
)
def test_out_of_range_page_numbers_show_a_real_page(login_as, page, expected_first):
    bulk_employers(30)
    html = page_html(login_as(Role.VIEWER), f"/employers?page={page}")
    assert names_in(html)[0] == expected_first


# --- htmx -------------------------------------------------------------------------------------


HTMX = {"HX-Request": "true", "HX-Target": "employer-results", "HX-Trigger": "employer-filter"}


def test_htmx_filter_request_gets_only_the_results_and_a_clean_url(login_as, firms):
    response = login_as(Role.VIEWER).get("/employers?q=bäck&stage=&owner=&sort=name&dir=asc", headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<form" not in html
    assert names_in(html) == ["Bäckerei Müller GmbH"]
    assert 'id="employer-count" hx-swap-oob="innerHTML">1 Arbeitgeber' in html
    assert 'id="employer-export"' in html and "hx-swap-oob" in html
    assert 'id="employer-sort-controls"' not in html  # the form triggered: its controls keep the focus
    assert response.headers["HX-Push-Url"] == "/employers?q=b%C3%A4ck"
    assert "HX-Target" in response.headers["Vary"]


def test_htmx_sort_link_also_updates_the_sort_controls(login_as, firms):
    headers = {"HX-Request": "true", "HX-Target": "employer-results", "HX-Boosted": "true"}
    html = login_as(Role.VIEWER).get("/employers?sort=stage&dir=desc", headers=headers).get_data(as_text=True)
    assert 'id="employer-sort-controls"' in html
    assert '<option selected value="desc">' in html


def test_htmx_request_with_a_bad_filter_shows_the_message_in_the_results(login_as, firms):
    response = login_as(Role.VIEWER).get("/employers?no_contact_days=0", headers=HTMX)
    assert response.status_code == 200
    assert "Bitte geben Sie" in response.get_data(as_text=True)


def test_history_restore_gets_the_full_page(login_as, firms):
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    assert "<html" in login_as(Role.VIEWER).get("/employers?q=bäck", headers=headers).get_data(as_text=True)


def test_filter_form_works_without_javascript(login_as, firms):
    html = page_html(login_as(Role.VIEWER), "/employers")
    form = html[html.index('<form method="get" action="/employers"') :]
    form = form[: form.index("</form>")]
    assert 'type="submit"' in form
    for name in (
        "q",
        "stage",
        "owner",
        "site",
        "district",
        "industry",
        "source",
        "tag",
        "no_contact_days",
        "sort",
        "dir",
    ):
        assert f'name="{name}"' in form
    assert 'hx-get="/employers"' in form and 'hx-push-url="true"' in form
    assert 'name="archived"' not in form  # only administrators may include archived employers


def test_admin_sees_the_archived_filter(login_as):
    assert 'name="archived"' in page_html(login_as(Role.ADMIN), "/employers")


def test_table_stacks_on_phones_with_labels(login_as, firms):
    html = page_html(login_as(Role.VIEWER), "/employers")
    assert "table-responsive-stack" in html
    for label in ("Akquisestatus", "Stadtteil", "Zuständig", "Letzter Kontakt", "Nächste Wiedervorlage"):
        assert f'data-label="{label}"' in html
    assert '<th scope="col"' in html
