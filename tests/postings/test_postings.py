"""Job postings: services (take-down reminder, filling with a placement), pages per role, filters, poster."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.employers.models import Industry
from crm.extensions import db
from crm.followups.models import FollowUpStatus
from crm.postings.models import JobPosting, PostingStatus, PostingType
from crm.postings.services import PostingError, close_posting, fill_posting, take_down_posting
from crm.sites.models import Site
from tests.helpers import count_queries, csrf_token_from, form_token
from tests.placements.factories import ALL_ROLES, make_placement, make_posting, today

EDITORS = {"admin", "acquisition"}


def _site() -> Site:
    return db.session.scalar(select(Site).limit(1))


def _on_board(employer, actor, **fields):
    return make_posting(
        employer, actor=actor, board_site_id=_site().id, displayed_until=today() + timedelta(days=30), **fields
    )


def test_a_poster_on_a_board_gets_a_take_down_follow_up_on_its_last_day(create_employer, make_user):
    user = make_user("acquisition")
    posting = _on_board(create_employer(), user)
    assert posting.takedown_followup.due_date == today() + timedelta(days=30)
    assert posting.takedown_followup.status == FollowUpStatus.OPEN


def test_filling_links_the_placement_and_moves_the_take_down_to_today(create_employer, make_user):
    user = make_user("acquisition")
    employer = create_employer()
    posting = _on_board(employer, user)
    placement = make_placement(employer)
    fill_posting(posting=posting, placement=placement, actor=user)
    db.session.commit()
    assert posting.status == PostingStatus.FILLED and placement.posting_id == posting.id
    assert posting.takedown_followup.due_date == today()
    take_down_posting(posting=posting, actor=user)
    db.session.commit()
    assert posting.takedown_followup.status == FollowUpStatus.DONE
    assert not posting.is_on_board


def test_closing_also_asks_to_take_the_poster_down(create_employer, make_user):
    posting = _on_board(create_employer(), make_user("acquisition"))
    close_posting(posting=posting, actor=None)
    db.session.commit()
    assert posting.takedown_followup.due_date == today()


def test_a_placement_of_another_employer_cannot_fill_the_posting(create_employer):
    posting = make_posting(create_employer())
    other = make_placement(create_employer("Andere GmbH"))
    with pytest.raises(PostingError):
        fill_posting(posting=posting, placement=other, actor=None)


def test_a_poster_needs_a_last_day(create_employer):
    with pytest.raises(PostingError) as error:
        make_posting(create_employer(), board_site_id=_site().id)
    assert error.value.field == "displayed_until"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_reads_the_list_detail_and_poster(login_as, create_employer, role):
    posting = make_posting(create_employer())
    client = login_as(role)
    for url in ("/postings/", f"/postings/{posting.id}", f"/postings/{posting.id}/poster"):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_editors_create_edit_and_fill(login_as, create_employer, role):
    employer = create_employer()
    posting = make_posting(employer)
    client = login_as(role)
    expected = 200 if role in EDITORS else 403
    for url in (
        f"/postings/new?employer_id={employer.id}",
        f"/postings/{posting.id}/edit",
        f"/postings/{posting.id}/fill",
    ):
        assert client.get(url).status_code == expected, url
    token = csrf_token_from(client.get(f"/postings/{posting.id}").get_data(as_text=True))
    for url in (f"/postings/{posting.id}/close", f"/postings/{posting.id}/take-down"):
        assert client.post(url, data={"csrf_token": token}).status_code == (302 if role in EDITORS else 403), url


def test_create_through_the_form_and_bad_input_in_german(login_as, create_employer):
    employer = create_employer(district="Altona")
    client = login_as("acquisition")
    url = f"/postings/new?employer_id={employer.id}"
    token = form_token(client, url)
    data = {
        "csrf_token": token,
        "title": "Lagerhelfer*in",
        "posting_type": "group",
        "status": "open",
        "places": "0",
        "hours_per_week": "viel",
        "district": "Altona",
        "board_site_id": str(_site().id),
    }
    response = client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte geben Sie eine Zahl zwischen 1 und 99 ein." in html
    assert 'id="hours_per_week-error"' in html and "Not a valid" not in html
    assert 'value="Lagerhelfer*in"' in html and 'value="viel"' in html
    data.update(places="2", hours_per_week="19,5")
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "bis wann der Aushang hängt" in response.get_data(as_text=True)
    data.update(displayed_until=(today() + timedelta(days=14)).isoformat())
    response = client.post(url, data=data)
    assert response.status_code == 302
    posting = db.session.scalar(select(JobPosting))
    assert posting.places == 2 and posting.takedown_followup is not None
    assert str(posting.hours_per_week) == "19.5"


def test_post_without_csrf_is_refused(login_as, create_employer):
    employer = create_employer()
    response = login_as("admin").post(f"/postings/new?employer_id={employer.id}", data={"title": "x"})
    assert response.status_code == 400


def test_filling_asks_which_placement(login_as, create_employer):
    employer = create_employer()
    posting = make_posting(employer)
    placement = make_placement(employer, participant_ref="QR-5")
    client = login_as("acquisition")
    html = client.get(f"/postings/{posting.id}/fill").get_data(as_text=True)
    assert "Durch welche Vermittlung besetzt?" in html and "QR-5" in html
    token = csrf_token_from(html)
    response = client.post(f"/postings/{posting.id}/fill", data={"csrf_token": token, "placement_id": ""})
    assert response.status_code == 422
    response = client.post(
        f"/postings/{posting.id}/fill", data={"csrf_token": token, "placement_id": str(placement.id)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(JobPosting, posting.id).status == PostingStatus.FILLED


def test_filters_for_type_status_district_and_industry(login_as, create_employer):
    industry = db.session.scalar(select(Industry).limit(1))
    kitchen = create_employer("Kantine Nord", industry_id=industry.id)
    make_posting(kitchen, title="Küchenhilfe", posting_type=PostingType.TASTER, district="Eimsbüttel")
    make_posting(
        create_employer("Lager Süd"), title="Lagerhilfe", posting_type=PostingType.GROUP, status=PostingStatus.DRAFT
    )
    client = login_as("viewer")

    def titles(query: str) -> set[str]:
        html = client.get(f"/postings/?{query}").get_data(as_text=True)
        return {t for t in ("Küchenhilfe", "Lagerhilfe") if f">{t}</a>" in html}

    assert titles("") == {"Küchenhilfe", "Lagerhilfe"}
    assert titles("type=taster") == {"Küchenhilfe"}
    assert titles("status=draft") == {"Lagerhilfe"}
    assert titles("district=Eimsbüttel") == {"Küchenhilfe"}
    assert titles(f"industry={industry.id}") == {"Küchenhilfe"}
    assert titles("type=nonsense") == {"Küchenhilfe", "Lagerhilfe"}


def test_the_employer_page_lists_its_postings(login_as, create_employer):
    employer = create_employer()
    make_posting(employer, title="Gärtner*in")
    html = login_as("viewer").get(f"/employers/{employer.id}").get_data(as_text=True)
    assert 'id="panel-postings"' in html and "Gärtner*in" in html


ABBREVIATIONS = re.compile(
    r"\b(z\. ?B\.|ca\.|bzw\.|usw\.|Std\.|inkl\.|ggf\.|d\. ?h\.|u\. ?a\.|Nr\.|WfbM|BfA|BfAu)(?=\s|$|[,;])"
)


@pytest.mark.parametrize("kind", list(PostingType))
def test_the_poster_speaks_plain_german_without_abbreviations(login_as, create_employer, make_user, kind):
    contact = make_user("coach", name="Miriam Coach")
    employer = create_employer("Bäckerei Sonne", district="Altona")
    posting = make_posting(
        employer,
        posting_type=kind,
        hours_per_week=20,
        places=2,
        start_date=today() + timedelta(days=30),
        application_deadline=today() + timedelta(days=10),
        contact_user_id=contact.id,
        poster_text="Sie backen Brot.\nSie arbeiten im Team.",
    )
    html = login_as("viewer").get(f"/postings/{posting.id}/poster").get_data(as_text=True)
    body = re.sub(r"<[^>]+>", " ", html.split('<main class="poster"', 1)[1])
    assert "Stellen-Angebot" in body and "Die Firma heißt: Bäckerei Sonne." in body
    assert "Sie arbeiten 20 Stunden in der Woche." in body and "Es gibt 2 Plätze." in body
    assert "Sprechen Sie mit Miriam Coach." in body and "Sie backen Brot." in body
    assert not ABBREVIATIONS.search(body), ABBREVIATIONS.search(body)
    sentences = [s for s in re.split(r"[.?!]\s", " ".join(body.split())) if s.strip()]
    assert max(len(s.split()) for s in sentences) <= 15
    assert 'href="/static/css/poster.css' in html


def _fill(create_employer, count: int) -> None:
    employer = create_employer(f"Firma {count}")
    site = _site()
    for n in range(count):
        make_posting(
            employer, title=f"Stelle {count}-{n}", board_site_id=site.id, displayed_until=today() + timedelta(days=9)
        )


def test_the_list_needs_the_same_number_of_queries_for_3_and_30_rows(app, login_as, create_employer):
    client = login_as("viewer")
    _fill(create_employer, 3)
    with count_queries(app) as few:
        assert client.get("/postings/").status_code == 200
    _fill(create_employer, 27)
    with count_queries(app) as many:
        assert client.get("/postings/").status_code == 200
    assert len(few) == len(many)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_archive_by_editors_restore_by_admin_only(login_as, create_employer, make_user, role):
    posting = _on_board(create_employer(), make_user("acquisition"))
    client = login_as(role)
    token = csrf_token_from(client.get(f"/postings/{posting.id}").get_data(as_text=True))
    response = client.post(f"/postings/{posting.id}/archive", data={"csrf_token": token})
    assert response.status_code == (302 if role in EDITORS else 403)
    db.session.expire_all()
    posting = db.session.get(JobPosting, posting.id)
    if role in EDITORS:
        assert posting.archived_at is not None
        assert posting.takedown_followup.status == FollowUpStatus.CANCELLED
        assert client.get("/postings/").get_data(as_text=True).count(posting.title) == 0
    response = client.post(f"/postings/{posting.id}/restore", data={"csrf_token": token})
    assert response.status_code == (302 if role == "admin" else 403)


def test_moving_the_poster_to_another_board_renames_the_reminder(create_employer, make_user):
    from crm.postings.services import PostingInput, update_posting

    user = make_user("acquisition")
    posting = _on_board(create_employer(), user)
    other = Site(name="Standort Harburg")
    db.session.add(other)
    db.session.commit()
    data = PostingInput(
        title=posting.title,
        posting_type=posting.posting_type,
        status=posting.status,
        board_site_id=other.id,
        displayed_until=posting.displayed_until,
    )
    update_posting(posting=posting, data=data, actor=user)
    db.session.commit()
    assert "Standort Harburg" in posting.takedown_followup.title
