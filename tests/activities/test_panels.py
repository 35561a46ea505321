"""The panels on the employer page and its print view: contacts, recent activities, timeline."""

from datetime import timedelta

import pytest

from crm.auth.models import Role
from crm.contacts.services import archive_contact
from crm.db import utcnow
from crm.extensions import db
from tests.helpers import count_queries


@pytest.fixture
def employer(create_employer, create_contact, create_activity):
    employer = create_employer()
    create_contact(
        employer,
        "Schulz",
        first_name="Anna",
        function="Filialleitung",
        phone="+49 (0)40 123456-12",
        mobile="0171 1234567",
        email="anna@example.org",
        is_primary=True,
    )
    create_contact(employer, "Yilmaz", first_name="Deniz", do_not_contact=True, phone="040 999999")
    create_contact(employer, "Alt", first_name="Bernd", has_left=True, phone="040 111111")
    archive_contact(contact=create_contact(employer, "Archiv", first_name="Carla"))
    db.session.commit()
    now = utcnow()
    for days, subject in (
        (40, "Erstkontakt per Brief"),
        (20, "Telefonat Bedarf"),
        (10, "Besuch im Laden"),
        (1, "Rückruf"),
    ):
        create_activity(employer, subject, occurred_at=now - timedelta(days=days), summary=f"Notiz zu {subject}")
    return employer


def panel(html: str, panel_id: str) -> str:
    start = html.index(f'id="{panel_id}"')
    return html[start : html.index("</section>", start)]


def test_contacts_panel_lists_current_contacts_with_links_and_flags(employer, login_as):
    html = login_as(Role.COACH).get(f"/employers/{employer.id}").get_data(as_text=True)
    contacts = panel(html, "panel-contacts")
    assert "Ansprechpartner*innen" in contacts
    anna = contacts[contacts.index("Anna Schulz") :]
    assert anna.index("Hauptansprechpartner*in") < anna.index("Deniz Yilmaz")
    assert 'href="tel:+494012345612"' in contacts and 'href="tel:01711234567"' in contacts
    assert 'href="mailto:anna@example.org"' in contacts
    # Do-not-contact in words, and no dial link for that person.
    assert "Diese Person möchte nicht von uns kontaktiert werden." in contacts
    assert 'href="tel:040999999"' not in contacts and "040 999999" in contacts
    # Left the company: folded away.
    details = contacts[contacts.index("<details") :]
    assert "1 Person, die das Unternehmen verlassen hat" in details and "Bernd Alt" in details
    assert "Bernd Alt" not in contacts[: contacts.index("<details")]
    assert "Carla Archiv" not in contacts  # archived: only admins see them
    assert "/contacts/" in contacts and "/edit" in contacts and ".vcf" in contacts


def test_admins_see_archived_contacts_with_a_restore_button(employer, login_as):
    contacts = panel(login_as(Role.ADMIN).get(f"/employers/{employer.id}").get_data(as_text=True), "panel-contacts")
    assert "1 archivierte Person" in contacts and "Carla Archiv" in contacts and "/restore" in contacts


def test_viewer_reads_contacts_without_edit_links(employer, login_as):
    contacts = panel(login_as(Role.VIEWER).get(f"/employers/{employer.id}").get_data(as_text=True), "panel-contacts")
    assert "Anna Schulz" in contacts and ".vcf" in contacts
    assert "/edit" not in contacts and "/contacts/new" not in contacts


def test_recent_panel_shows_the_last_three_and_the_quick_log(employer, login_as):
    html = login_as(Role.COACH).get(f"/employers/{employer.id}").get_data(as_text=True)
    recent = panel(html, "panel-recent-activities")
    assert [s for s in ("Rückruf", "Besuch im Laden", "Telefonat Bedarf") if s in recent] == [
        "Rückruf",
        "Besuch im Laden",
        "Telefonat Bedarf",
    ]
    assert recent.index("Rückruf") < recent.index("Besuch im Laden") < recent.index("Telefonat Bedarf")
    assert "Erstkontakt per Brief" not in recent
    assert "Notiz zu Rückruf" in recent and "Letzter Kontakt:" in recent
    assert '<details class="quicklog no-print">' in recent and "Kontakt erfassen" in recent
    assert f'hx-post="/employers/{employer.id}/activities/new"' in recent
    # Only current contacts are offered.
    form = recent[recent.index("<form") :]
    assert "Anna Schulz" in form and "Bernd Alt" not in form and "Carla Archiv" not in form


def test_viewer_gets_no_quick_log(employer, login_as):
    recent = panel(
        login_as(Role.VIEWER).get(f"/employers/{employer.id}").get_data(as_text=True), "panel-recent-activities"
    )
    assert "Rückruf" in recent and "<form" not in recent


def test_timeline_panel_is_on_the_employer_page_and_filters_without_javascript(employer, login_as):
    client = login_as(Role.VIEWER)
    timeline = panel(client.get(f"/employers/{employer.id}").get_data(as_text=True), "panel-timeline")
    assert "Erstkontakt per Brief" in timeline and f'action="/employers/{employer.id}#panel-timeline"' in timeline
    filtered = panel(client.get(f"/employers/{employer.id}?kind=stage_change").get_data(as_text=True), "panel-timeline")
    assert "Erstkontakt per Brief" not in filtered


def test_print_view_has_primary_contact_and_last_three_activities_but_no_timeline(employer, login_as):
    html = login_as(Role.COACH).get(f"/employers/{employer.id}/print").get_data(as_text=True)
    assert "Anna Schulz" in html and "Deniz Yilmaz" not in html
    assert "Rückruf" in html and "Telefonat Bedarf" in html and "Erstkontakt per Brief" not in html
    assert 'id="panel-timeline"' not in html and "<form" not in html.split("<main", 1)[1].split("</main>")[0]


def test_employer_page_queries_do_not_grow_with_contacts_and_activities(
    app, create_employer, create_contact, create_activity, make_user, login_as
):
    client = login_as(Role.COACH)
    user = make_user("coach")
    counts = []
    for n in (3, 30):
        employer = create_employer(f"Firma {n}")
        contacts = [create_contact(employer, f"Person {i}", phone="040 123456") for i in range(n // 3)]
        for i in range(n):
            create_activity(
                employer,
                f"Eintrag {i}",
                user=user,
                contact=contacts[i % len(contacts)],
                occurred_at=utcnow() - timedelta(hours=i + 1),
            )
        with count_queries(app) as statements:
            assert client.get(f"/employers/{employer.id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
