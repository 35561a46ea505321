"""Typos and tampering in numeric URL parts never cause a 500 (reported by a review)."""

import pytest

from crm.auth.models import Role

HUGE = "99999999999999999999"
SUPERSCRIPT = "%C2%B2"  # "²": str.isdigit() says yes, int() says no

URLS = [
    f"/insights/referrals/by?employer={SUPERSCRIPT}",
    f"/followups/?scope=team&user={SUPERSCRIPT}",
    f"/insights/objections?industry={SUPERSCRIPT}",
    f"/insights/referrals?site={SUPERSCRIPT}",
    f"/followups/new?employer_id={SUPERSCRIPT}",
    f"/followups/new?employer_id={HUGE}",
    f"/employers/{HUGE}",
    f"/placements/{HUGE}",
    f"/employers?page={SUPERSCRIPT}",
    f"/employers?owner={SUPERSCRIPT}&stage={HUGE}",
    f"/duoday/?year={SUPERSCRIPT}",
    f"/reports/funnel?site={SUPERSCRIPT}",
    f"/postings/?industry={SUPERSCRIPT}",
    f"/placements/new?participation_id={HUGE}&posting_id={SUPERSCRIPT}",
    f"/benefits/facts/new?from={SUPERSCRIPT}",
    # Every paged list (crm.ui.paginate): a page beyond the database's OFFSET was a 500 on SQLite.
    *(
        f"{path}{'&' if '?' in path else '?'}page={page}"
        for path in (
            "/audit/",
            "/postings/",
            "/insights/objections/records",
            "/placements/",
            "/gdpr/review",
            "/admin/security-events/",
            "/followups/?show=overdue",
        )
        for page in (HUGE, "400000000000000000", SUPERSCRIPT, "0")
    ),
]


@pytest.mark.parametrize("url", URLS)
def test_bad_numbers_in_urls_are_not_server_errors(login_as, url):
    response = login_as(Role.ADMIN).get(url)
    assert response.status_code < 500, (url, response.status_code)


def test_timeline_page_number_too_large_is_not_a_server_error(login_as, create_employer):
    employer = create_employer()
    response = login_as(Role.COACH).get(f"/employers/{employer.id}/timeline?page={HUGE}")
    assert response.status_code < 500
