"""The employer timeline: merge of activities and stage changes, order, filter, pagination, queries."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.activities.models import Activity, ActivityKind
from crm.auth.models import Role
from crm.db import utcnow
from crm.employers.models import Stage, StageChange
from crm.extensions import db
from crm.timeline import employer_timeline
from tests.helpers import count_queries

HX = {"HX-Request": "true"}


def stage(key: str) -> Stage:
    return db.session.scalar(select(Stage).where(Stage.key == key))


def add_stage_change(employer, from_key, to_key, at, *, user=None, reason=None) -> StageChange:
    change = StageChange(
        employer_id=employer.id,
        from_stage=stage(from_key) if from_key else None,
        to_stage=stage(to_key),
        changed_by_id=user.id if user else None,
        changed_at=at,
        reason=reason,
    )
    db.session.add(change)
    db.session.commit()
    return change


def add_activities(employer, count: int, *, start_days_ago: int = 400, user=None, contact=None) -> None:
    """Insert `count` activities one hour apart (bulk, for speed), then fix last_contact_at."""
    from crm.activities.services import refresh_last_contact

    base = utcnow() - timedelta(days=start_days_ago)
    db.session.add_all(
        Activity(
            employer_id=employer.id,
            kind=ActivityKind.CALL if i % 2 else ActivityKind.VISIT,
            subject=f"Eintrag {i:03d}",
            occurred_at=base + timedelta(hours=i),
            user_id=user.id if user else None,
            contact_id=contact.id if contact else None,
        )
        for i in range(count)
    )
    db.session.flush()
    refresh_last_contact(employer)
    db.session.commit()


@pytest.fixture
def story(create_employer, create_activity, make_user):
    """An employer with a mixed history: created, two calls, a stage move, a visit."""
    employer = create_employer()
    user = make_user("acquisition", name="Jonas Akquise")
    now = utcnow()
    add_stage_change(employer, None, "lead", now - timedelta(days=30), user=user)
    create_activity(employer, "Erster Anruf", occurred_at=now - timedelta(days=20), user=user)
    create_activity(employer, "Zweiter Anruf", occurred_at=now - timedelta(days=10), user=user)
    add_stage_change(employer, "lead", "talks", now - timedelta(days=9), user=user, reason="Interesse am Lager")
    create_activity(employer, "Besuch vor Ort", kind=ActivityKind.VISIT, occurred_at=now - timedelta(days=2), user=user)
    return employer


def labels(page) -> list[str]:
    return [e.item.subject if e.kind == "activity" else f"{e.item.to_stage.key}" for e in page.entries]


def test_timeline_merges_sources_newest_first(story):
    page = employer_timeline(story.id)
    assert labels(page) == ["Besuch vor Ort", "talks", "Zweiter Anruf", "Erster Anruf", "lead"]
    assert not page.has_next and not page.has_prev


def test_timeline_filters_by_kind(story):
    assert labels(employer_timeline(story.id, kinds={"stage_change"})) == ["talks", "lead"]
    assert labels(employer_timeline(story.id, kinds={"activity"})) == [
        "Besuch vor Ort",
        "Zweiter Anruf",
        "Erster Anruf",
    ]


def test_timeline_pages_do_not_overlap(story):
    first = employer_timeline(story.id, per_page=2)
    second = employer_timeline(story.id, page=2, per_page=2)
    third = employer_timeline(story.id, page=3, per_page=2)
    assert labels(first) == ["Besuch vor Ort", "talks"] and first.has_next
    assert labels(second) == ["Zweiter Anruf", "Erster Anruf"] and second.has_next and second.has_prev
    assert labels(third) == ["lead"] and not third.has_next


def test_archived_activities_and_other_employers_are_not_in_the_timeline(story, create_employer, create_activity):
    from crm.activities.services import archive_activity

    create_activity(create_employer("Andere Firma"), "Fremder Eintrag")
    archive_activity(activity=db.session.scalar(select(Activity).where(Activity.subject == "Zweiter Anruf")))
    db.session.commit()
    assert "Fremder Eintrag" not in labels(employer_timeline(story.id))
    assert "Zweiter Anruf" not in labels(employer_timeline(story.id))


def test_same_instant_is_ordered_deterministically(create_employer, create_activity):
    employer = create_employer()
    at = utcnow() - timedelta(hours=1)
    first = create_activity(employer, "A", occurred_at=at)
    second = create_activity(employer, "B", occurred_at=at)
    assert [e.item.id for e in employer_timeline(employer.id).entries] == [second.id, first.id]


# --- the page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_timeline(role, story, login_as):
    response = login_as(role).get(f"/employers/{story.id}/timeline")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Verlauf: Bäckerei Müller" in html
    assert "Besuch vor Ort" in html and "Von „Recherche“ zu „Im Gespräch“" in html
    assert "Grund:</strong> Interesse am Lager" in html
    assert ("activities/" in html and "/edit" in html) == (role != Role.VIEWER)


def test_page_filter_works_without_javascript(story, login_as):
    html = login_as(Role.VIEWER).get(f"/employers/{story.id}/timeline?kind=stage_change").get_data(as_text=True)
    assert "Besuch vor Ort" not in html and "Von „Recherche“ zu „Im Gespräch“" in html
    assert 'value="stage_change" id="timeline-kind-stage_change"\n             checked' in html
    assert 'value="activity" id="timeline-kind-activity"\n             >' in html


def test_unknown_kinds_and_bad_page_numbers_fall_back(story, login_as):
    client = login_as(Role.VIEWER)
    html = client.get(f"/employers/{story.id}/timeline?kind=nonsense&page=abc").get_data(as_text=True)
    assert "Besuch vor Ort" in html and "Erster Anruf" in html
    assert client.get(f"/employers/{story.id}/timeline?page=999").status_code == 200


def test_pagination_links_keep_the_filter(create_employer, login_as):
    employer = create_employer()
    add_activities(employer, 45)
    client = login_as(Role.VIEWER)
    html = client.get(f"/employers/{employer.id}/timeline?kind=activity").get_data(as_text=True)
    assert "Eintrag 044" in html and "Eintrag 024" not in html
    next_link = f'href="/employers/{employer.id}/timeline?kind=activity&amp;page=2#panel-timeline"'
    assert next_link in html
    html = client.get(f"/employers/{employer.id}/timeline?kind=activity&page=3").get_data(as_text=True)
    assert "Eintrag 004" in html and "Eintrag 000" in html and "Eintrag 005" not in html
    assert "Seite 3" in html and "Ältere Einträge</span>" in html  # no further page


def test_htmx_request_gets_the_entries_fragment_and_a_push_url(story, login_as):
    client = login_as(Role.COACH)
    headers = HX | {"HX-Current-URL": f"http://localhost/employers/{story.id}?kind=activity"}
    response = client.get(f"/employers/{story.id}/timeline?kind=stage_change", headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="timeline-entries"')
    assert "<html" not in html and "Erster Anruf" not in html
    # The browser stays on the page it was on (here the employer page), with the new state in its URL.
    assert response.headers["HX-Push-Url"] == f"/employers/{story.id}?kind=stage_change"


def test_htmx_push_url_never_points_off_site(story, login_as):
    headers = HX | {"HX-Current-URL": "https://evil.example.org//evil"}
    response = login_as(Role.COACH).get(f"/employers/{story.id}/timeline?page=1", headers=headers)
    assert response.headers["HX-Push-Url"] == f"/employers/{story.id}/timeline"


def test_history_restore_gets_the_whole_page(story, login_as):
    headers = HX | {"HX-History-Restore-Request": "true"}
    html = login_as(Role.COACH).get(f"/employers/{story.id}/timeline", headers=headers).get_data(as_text=True)
    assert html.startswith("<!doctype html>")


def test_unknown_employer_is_404(login_as):
    assert login_as(Role.VIEWER).get("/employers/999/timeline").status_code == 404


def test_user_text_is_escaped(create_employer, create_activity, login_as):
    employer = create_employer()
    create_activity(employer, "<script>alert(1)</script>", summary="<b>fett</b>")
    html = login_as(Role.VIEWER).get(f"/employers/{employer.id}/timeline").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;b&gt;fett&lt;/b&gt;" in html


# --- queries ------------------------------------------------------------------------------------


def _timeline_statements(app, client, employer_id: int, query: str = "") -> int:
    with count_queries(app) as statements:
        response = client.get(f"/employers/{employer_id}/timeline{query}")
    assert response.status_code == 200
    return len(statements)


def test_timeline_page_issues_the_same_number_of_queries_for_3_and_60_activities(
    app, create_employer, create_contact, make_user, login_as
):
    client = login_as(Role.COACH)
    counts = []
    for n in (3, 60):
        employer = create_employer(f"Firma {n}")
        contact = create_contact(employer, f"Kontakt {n}")
        add_activities(employer, n, user=make_user("coach"), contact=contact)
        for i in range(n // 3):
            add_stage_change(employer, "lead", "talks", utcnow() - timedelta(days=300 - i))
        counts.append(
            (
                _timeline_statements(app, client, employer.id),
                _timeline_statements(app, client, employer.id, "?page=2"),
                _timeline_statements(app, client, employer.id, "?kind=activity"),
            )
        )
    assert counts[0] == counts[1], counts


def test_each_source_fetch_is_one_query(app, story):
    from crm.activities.timeline import fetch_activities, fetch_stage_changes

    employer_id = story.id
    for fetch in (fetch_activities, fetch_stage_changes):
        db.session.expire_all()
        with count_queries(app) as statements:
            entries = fetch(employer_id, 10)
            for entry in entries:  # touch everything the partials show
                item = entry.item
                if entry.kind == "activity":
                    _ = (item.user and item.user.name, item.contact and item.contact.full_name)
                else:
                    _ = (item.from_stage and item.from_stage.name, item.to_stage.name, item.changed_by)
        assert len(statements) == 1, statements
