"""The export links of the lists: visible beside the count, keyboard-reachable, and they download the file."""

import pytest
from playwright.sync_api import expect

from crm.extensions import db
from crm.followups.services import schedule_followup
from crm.followups.workdays import local_today
from tests.browser.conftest import run_axe, screenshot
from tests.placements.factories import make_placement, make_posting

PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/postings/", "/placements/?state=all", "/followups/", "/employers"])
def test_lists_offer_csv_and_excel_downloads(page_as, create_employer, path):
    page = page_as("acquisition")
    employer = create_employer("Hotel Fischmarkt Altona", district="Altona")
    make_posting(employer, title="Küchenhilfe")
    make_placement(employer, participant_ref="AB-17")
    schedule_followup(employer=employer, title="Zurückrufen", due_date=local_today(), created_by=page.user)
    db.session.commit()
    page.goto(path)
    csv_link = page.get_by_role("link", name="Als CSV exportieren")
    xlsx_link = page.get_by_role("link", name="Als Excel (XLSX) exportieren")
    expect(csv_link).to_be_visible()
    expect(xlsx_link).to_be_visible()
    with page.expect_download() as download:
        xlsx_link.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert run_axe(page) == []
    screenshot(page, f"export-{path.strip('/').split('/')[0]}")


@pytest.mark.browser
def test_export_links_fit_on_a_phone(page_as, create_employer):
    page = page_as("viewer", viewport=PHONE)
    make_posting(create_employer("Hotel Fischmarkt Altona"), title="Küchenhilfe")
    page.goto("/postings/")
    link = page.get_by_role("link", name="Als Excel (XLSX) exportieren")
    expect(link).to_be_visible()
    box = link.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "export-postings-phone")
