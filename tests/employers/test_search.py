"""Full-text search: one search function, the same behaviour on SQLite (FTS5) and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from crm.activities.models import Activity, ActivityKind
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.employers.models import Employer, Stage
from crm.employers.normalize import normalize_name
from crm.employers.search import (
    drop_search_schema,
    employer_search,
    install_search_schema,
    rebuild_search_index,
    search_employer_ids,
    search_terms,
)
from crm.extensions import db


def add_employer(name: str, *, stage: str = "lead", **fields) -> Employer:
    """Add an employer in the given stage (by key) and flush it."""
    stage_row = db.session.scalar(select(Stage).where(Stage.key == stage))
    employer = Employer(name=name, normalized_name=normalize_name(name), stage=stage_row, **fields)
    db.session.add(employer)
    db.session.flush()
    return employer


def add_contact(employer: Employer, last_name: str, **fields) -> Contact:
    contact = Contact(employer=employer, last_name=last_name, **fields)
    db.session.add(contact)
    db.session.flush()
    return contact


def add_activity(employer: Employer, subject: str, **fields) -> Activity:
    fields.setdefault("kind", ActivityKind.CALL)
    fields.setdefault("occurred_at", utcnow() - timedelta(days=1))
    activity = Activity(employer=employer, subject=subject, **fields)
    db.session.add(activity)
    db.session.flush()
    return activity


def found(query_text: str) -> set[str]:
    """Names of the employers the search finds."""
    ids = search_employer_ids(query_text)
    if ids is None:
        return {"<no search>"}
    return set(db.session.scalars(select(Employer.name).where(Employer.id.in_(ids))))


@pytest.fixture
def bakery(app) -> Employer:
    employer = add_employer("Bäckerei Müller GmbH", notes="Backstube in Ottensen, früh morgens anrufen")
    add_employer("Gärtnerei Blumenthal")
    db.session.commit()
    return employer


def test_lower_case_umlaut_term_finds_capitalised_umlaut_name(bakery):
    assert found("bäcker") == {"Bäckerei Müller GmbH"}


def test_search_ignores_case_of_umlauts_and_accents(bakery):
    assert found("BÄCKEREI") == {"Bäckerei Müller GmbH"}
    assert found("MÜLL") == {"Bäckerei Müller GmbH"}
    assert found("muller") == {"Bäckerei Müller GmbH"}


def test_every_term_must_match_as_a_prefix(bakery):
    assert found("bäck müll") == {"Bäckerei Müller GmbH"}
    assert found("bäck blumen") == set()
    assert found("ottens") == {"Bäckerei Müller GmbH"}


def test_search_does_not_match_inside_words(bakery):
    assert found("ckerei") == set()


def test_notes_are_searched(bakery):
    assert found("backstube") == {"Bäckerei Müller GmbH"}


def test_contact_names_are_searched_until_the_contact_is_archived(bakery):
    contact = add_contact(bakery, "Schröder", first_name="Hanna")
    db.session.commit()
    assert found("schröder hanna") == {"Bäckerei Müller GmbH"}

    contact.archived_at = utcnow()
    db.session.commit()
    assert found("schröder") == set()


def test_renamed_contact_is_found_by_the_new_name_only(bakery):
    contact = add_contact(bakery, "Schröder")
    db.session.commit()
    contact.last_name = "Petersen"
    db.session.commit()
    assert found("schröder") == set()
    assert found("petersen") == {"Bäckerei Müller GmbH"}


def test_activity_subject_summary_and_outcome_are_searched(bakery):
    add_activity(bakery, "Erstgespräch Küche", summary="Chefin sucht Unterstützung beim Spülen", outcome="Probetag")
    db.session.commit()
    assert found("erstgespräch") == {"Bäckerei Müller GmbH"}
    assert found("spülen") == {"Bäckerei Müller GmbH"}
    assert found("probetag") == {"Bäckerei Müller GmbH"}


def test_archived_or_deleted_activity_leaves_the_index(bakery):
    kept = add_activity(bakery, "Anruf wegen Praktikum")
    gone = add_activity(bakery, "Messe Nordjob")
    db.session.commit()
    gone.archived_at = utcnow()
    db.session.commit()
    assert found("nordjob") == set()
    db.session.delete(kept)
    db.session.commit()
    assert found("praktikum") == set()


def test_activity_moved_to_another_employer_moves_in_the_index(bakery):
    other = db.session.scalar(select(Employer).where(Employer.name == "Gärtnerei Blumenthal"))
    activity = add_activity(bakery, "Rosenschnitt")
    db.session.commit()
    activity.employer_id = other.id
    db.session.commit()
    assert found("rosenschnitt") == {"Gärtnerei Blumenthal"}


def test_renamed_employer_is_found_by_the_new_name(bakery):
    bakery.name = "Konditorei Sahnehaube"
    db.session.commit()
    assert found("konditorei") == {"Konditorei Sahnehaube"}
    assert found("bäckerei") == set()


def test_bulk_core_update_keeps_the_index_current(bakery):
    db.session.execute(update(Employer).where(Employer.id == bakery.id).values(notes="Lieferdienst", version=9))
    db.session.commit()
    assert found("lieferdienst") == {"Bäckerei Müller GmbH"}
    assert found("backstube") == set()


def test_archived_employers_are_matched_by_the_search_and_filtered_by_the_list(bakery):
    bakery.archived_at = utcnow()
    db.session.commit()
    assert found("bäckerei") == {"Bäckerei Müller GmbH"}


def test_deleting_an_employer_removes_its_document(bakery):
    add_contact(bakery, "Schröder")
    add_activity(bakery, "Anruf")
    db.session.commit()
    employer_id = bakery.id
    # Users archive; only a data-protection erasure deletes, with the database cascading.
    db.session.execute(delete(Employer).where(Employer.id == employer_id))
    db.session.commit()
    assert (
        db.session.scalar(select(employer_search.c.employer_id).where(employer_search.c.employer_id == employer_id))
        is None
    )
    assert found("schröder") == set()


@pytest.mark.parametrize(
    "query_text", ['"', "*", "AND", "OR", "NOT", "NEAR(", "a' OR '1'='1", ":*", "&|!", "\\", "'; --"]
)
def test_operator_like_input_does_not_break_the_search(bakery, query_text):
    assert found(query_text) in ({"<no search>"}, set())


@pytest.mark.parametrize("query_text", ["bäck*", '"bäck', 'bäck"', "-bäck", "^bäck", "bäck:*", "(bäck)", "bäck & müll"])
def test_operators_around_a_term_are_ignored(bakery, query_text):
    assert found(query_text) == {"Bäckerei Müller GmbH"}


def test_and_or_not_are_ordinary_words(bakery):
    add_activity(bakery, "Gespräch and more")
    db.session.commit()
    assert found("and") == {"Bäckerei Müller GmbH"}
    assert found("not") == set()


def test_input_without_letters_or_digits_is_no_search():
    assert search_employer_ids("  *** ") is None
    assert search_employer_ids("") is None
    assert search_employer_ids(None) is None


def test_search_terms_are_lower_case_unique_and_bounded():
    assert search_terms("Bäcker  bäcker MÜLLER_gmbh") == ["bäcker", "müller", "gmbh"]
    assert len(search_terms(" ".join(f"w{i}" for i in range(30)))) == 8
    assert search_terms("x" * 500) == ["x" * 60]


def test_decomposed_umlauts_in_the_query_are_composed(bakery):
    assert found("ba\u0308cker") == {"Bäckerei Müller GmbH"}


def test_rebuild_recreates_every_document(bakery):
    add_contact(bakery, "Schröder")
    db.session.commit()
    db.session.execute(employer_search.delete())
    db.session.commit()
    assert found("schröder") == set()

    assert rebuild_search_index() == 2
    db.session.commit()
    assert found("schröder") == {"Bäckerei Müller GmbH"}
    assert found("blumenthal") == {"Gärtnerei Blumenthal"}


def test_schema_can_be_dropped_and_installed_again_with_data(bakery):
    add_activity(bakery, "Zirkustag")
    db.session.commit()
    connection = db.session.connection()
    drop_search_schema(connection)
    install_search_schema(connection)
    install_search_schema(connection)  # idempotent
    db.session.commit()
    assert found("zirkustag") == {"Bäckerei Müller GmbH"}
    add_contact(bakery, "Lindqvist")
    db.session.commit()
    assert found("lindqvist") == {"Bäckerei Müller GmbH"}
