"""Employer services: create, optimistic locking, archive, stage moves, tags, duplicates, pipeline."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.auth.models import Role
from crm.db import utcnow
from crm.employers.models import Employer, StageChange, Tag
from crm.employers.services import (
    DUPLICATE_THRESHOLD,
    EmployerError,
    EmployerInput,
    StaleEmployerError,
    archive_employer,
    create_employer,
    find_duplicate_candidates,
    move_employer_to_stage,
    parse_tag_names,
    pipeline_board,
    restore_employer,
    stage_by_key,
    time_in_stage,
    update_employer,
)
from crm.extensions import db


def _input(employer: Employer, **changes) -> EmployerInput:
    values = {name: getattr(employer, name) for name in EmployerInput.COLUMNS}
    values["tags"] = [tag.name for tag in employer.tags]
    values.update(changes)
    return EmployerInput(**values)


# --- create --------------------------------------------------------------------------------------


def test_create_employer_starts_in_research_with_a_recorded_first_stage(make_user):
    user = make_user(Role.ACQUISITION)
    employer = create_employer(data=EmployerInput(name="Bäckerei Müller GmbH", postcode="22761"), actor=user)
    db.session.commit()

    assert employer.stage.key == "lead"
    assert employer.normalized_name == "baeckerei mueller"
    assert employer.version == 1
    changes = db.session.scalars(select(StageChange).where(StageChange.employer_id == employer.id)).all()
    assert [(c.from_stage_id, c.to_stage.key, c.changed_by_id) for c in changes] == [(None, "lead", user.id)]


def test_create_employer_in_a_chosen_stage_is_audited():
    employer = create_employer(data=EmployerInput(name="Hotel Elbblick"), stage=stage_by_key("talks"))
    db.session.commit()
    assert employer.stage.key == "talks"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "employers"))
    assert entry.action == "create" and entry.changes["name"] == [None, "Hotel Elbblick"]


# --- tags ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Gastro, barrierefrei", ["Gastro", "barrierefrei"]),
        (" Gastro ,, barrierefrei ; Altona ", ["Gastro", "barrierefrei", "Altona"]),
        ("Gastro, gastro, GASTRO", ["Gastro"]),
        ("Früh   schicht", ["Früh schicht"]),
        ("", []),
        (None, []),
    ],
)
def test_parse_tag_names(text, names):
    assert parse_tag_names(text) == names


def test_tags_are_reused_case_insensitively_and_created_when_new(make_employer):
    first = make_employer("Erste Firma", tags=["Gastro", "Altona"])
    second = make_employer("Zweite Firma", tags=["gastro", "Küche"])
    assert db.session.scalar(select(func.count(Tag.id))) == 3
    assert {t.name for t in second.tags} == {"Gastro", "Küche"}
    assert {t.id for t in first.tags} & {t.id for t in second.tags}


def test_update_replaces_the_tags(make_employer):
    employer = make_employer(tags=["Gastro", "Altona"])
    update_employer(employer=employer, data=_input(employer, tags=["Lager"]), expected_version=employer.version)
    db.session.commit()
    assert [t.name for t in employer.tags] == ["Lager"]


# --- optimistic locking --------------------------------------------------------------------------


def test_update_with_the_loaded_version_saves_and_increments_it(make_employer):
    employer = make_employer()
    update_employer(employer=employer, data=_input(employer, phone="040 123456"), expected_version=1)
    db.session.commit()
    assert employer.version == 2 and employer.phone == "040 123456"


def test_update_with_a_stale_version_raises_and_changes_nothing(make_employer):
    employer = make_employer()
    update_employer(employer=employer, data=_input(employer, phone="040 111111"), expected_version=1)
    db.session.commit()

    with pytest.raises(StaleEmployerError) as error:
        update_employer(employer=employer, data=_input(employer, phone="040 222222"), expected_version=1)
    assert error.value.employer_id == employer.id
    db.session.rollback()
    assert db.session.get(Employer, employer.id).phone == "040 111111"


def test_concurrent_commit_between_read_and_write_is_detected_by_the_version_column(app, make_employer):
    """Two sessions load version 1; the second flush finds the row at version 2 and raises."""
    employer = make_employer()
    other_session = db.session.registry()  # the test's session: holds version 1
    mine = other_session.get(Employer, employer.id)

    # Another request commits through its own connection.
    with db.engine.begin() as connection:
        connection.execute(
            Employer.__table__.update().where(Employer.id == employer.id).values(phone="040 999999", version=2)
        )
    with pytest.raises(StaleEmployerError):
        update_employer(employer=mine, data=_input(mine, phone="040 555555", tags=["Neu"]), expected_version=1)
    db.session.rollback()
    assert db.session.get(Employer, employer.id).phone == "040 999999"


# --- archive / restore ---------------------------------------------------------------------------


def test_archive_and_restore_are_audited_and_block_edits_meanwhile(make_employer):
    employer = make_employer()
    archive_employer(employer=employer)
    db.session.commit()
    assert employer.is_archived

    with pytest.raises(EmployerError):
        update_employer(employer=employer, data=_input(employer, phone="040 123456"), expected_version=employer.version)
    with pytest.raises(EmployerError) as error:
        move_employer_to_stage(employer=employer, stage=stage_by_key("talks"))
    assert error.value.field == "stage_id"

    restore_employer(employer=employer)
    db.session.commit()
    assert not employer.is_archived
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_id == employer.id, AuditEntry.entity_type == "employers")
    ).all()
    assert "archive" in actions and "restore" in actions


# --- stage moves ---------------------------------------------------------------------------------


def test_stage_move_records_who_when_from_to_and_reason(make_employer, make_user):
    user = make_user(Role.ACQUISITION)
    employer = make_employer()
    with time_machine.travel(utcnow() + timedelta(days=3), tick=False):
        change = move_employer_to_stage(
            employer=employer, stage=stage_by_key("first_contact"), reason="Messe getroffen", actor=user
        )
        db.session.commit()
        moved_at = utcnow()

    assert change.from_stage_id == stage_by_key("lead").id
    assert change.to_stage.key == "first_contact"
    assert change.changed_by_id == user.id
    assert change.reason == "Messe getroffen"
    assert change.changed_at == moved_at
    assert employer.stage.key == "first_contact"
    assert employer.stage_changed_at == moved_at
    history = db.session.scalars(
        select(StageChange).where(StageChange.employer_id == employer.id).order_by(StageChange.changed_at)
    ).all()
    assert [c.to_stage.key for c in history] == ["lead", "first_contact"]


def test_declined_requires_a_reason(make_employer):
    employer = make_employer()
    with pytest.raises(EmployerError) as error:
        move_employer_to_stage(employer=employer, stage=stage_by_key("declined"), reason="   ")
    assert error.value.field == "reason"
    assert "Grund" in error.value.message or "reason" in error.value.message
    db.session.rollback()

    move_employer_to_stage(employer=employer, stage=stage_by_key("declined"), reason="Keine Aufgaben")
    db.session.commit()
    assert employer.stage.key == "declined"


def test_moving_to_the_current_stage_records_nothing(make_employer):
    employer = make_employer()
    assert move_employer_to_stage(employer=employer, stage=stage_by_key("lead")) is None
    assert db.session.scalar(select(func.count(StageChange.id))) == 1


def test_moving_to_an_inactive_stage_is_refused(make_employer):
    employer = make_employer()
    dormant = stage_by_key("dormant")
    dormant.active = False
    db.session.commit()
    with pytest.raises(EmployerError) as error:
        move_employer_to_stage(employer=employer, stage=dormant)
    assert error.value.field == "stage_id"


def test_time_in_stage_counts_from_the_last_move(make_employer):
    employer = make_employer()
    later = employer.stage_changed_at + timedelta(days=12, hours=3)
    assert time_in_stage(employer, now=later) == timedelta(days=12, hours=3)
    assert time_in_stage(employer, now=employer.stage_changed_at - timedelta(days=1)) == timedelta(0)


# --- duplicates ----------------------------------------------------------------------------------


def _names(candidates):
    return [c.employer.name for c in candidates]


def test_same_normalised_name_in_the_same_postcode_is_a_same_place_candidate(make_employer):
    make_employer("Bäckerei Müller GmbH", postcode="22761", city="Hamburg")
    candidates = find_duplicate_candidates(name="Baeckerei Mueller e.K.", postcode="22761", city=None)
    assert _names(candidates) == ["Bäckerei Müller GmbH"]
    assert candidates[0].same_place and candidates[0].score == 100


def test_same_normalised_name_in_the_same_city_is_a_same_place_candidate(make_employer):
    make_employer("Bäckerei Müller GmbH", postcode="22761", city="Hamburg")
    candidates = find_duplicate_candidates(name="BÄCKEREI MÜLLER", postcode="20095", city="hamburg")
    assert candidates[0].same_place


def test_same_name_elsewhere_is_still_shown_but_not_as_same_place(make_employer):
    make_employer("Bäckerei Müller GmbH", postcode="22761", city="Hamburg")
    candidates = find_duplicate_candidates(name="Bäckerei Müller", postcode="24103", city="Kiel")
    assert _names(candidates) == ["Bäckerei Müller GmbH"] and not candidates[0].same_place


def test_same_place_candidates_come_first(make_employer):
    make_employer("Bäckerei Müller Altona", postcode="22765")
    make_employer("Bäckerei Müller", postcode="22761")
    candidates = find_duplicate_candidates(name="Bäckerei Müller GmbH", postcode="22761")
    assert _names(candidates)[0] == "Bäckerei Müller"


# Tuned on these pairs: a typo, plain vowels, word order or an extra word match; a shared trade
# word with a different family name does not.
@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("Bäckerei Müller GmbH", "Backerei Müller"),
        ("Hotel Elbblick", "Hotel Elbblik"),
        ("Gärtnerei Sonnenhof", "Sonnenhof Gärtnerei"),
        ("Tischlerei Holzwurm", "Tischlerei Holzwurm Hamburg"),
        ("Hamburger Tafel e.V.", "Hamburger Tafl"),
        ("Café Krümel", "Cafe Kruemel"),
        ("Gartenbau Schulze", "Gartenbau Schulz"),
    ],
)
def test_similar_names_are_candidates(make_employer, existing, typed):
    make_employer(existing, postcode="22761")
    candidates = find_duplicate_candidates(name=typed, postcode="20095", city="Kiel")
    assert _names(candidates) == [existing]
    assert candidates[0].score >= DUPLICATE_THRESHOLD


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("Bäckerei Müller", "Bäckerei Meyer"),
        ("Elbe Logistik", "Elbe Gartenbau"),
        ("Hotel Atlantik", "Hotel Alster"),
        ("Müller Logistik", "Müller Gartenbau"),
        ("Kita Sonnenschein", "Kita Sonnenstrahl"),
    ],
)
def test_different_names_are_not_candidates(make_employer, existing, typed):
    make_employer(existing, postcode="22761")
    assert find_duplicate_candidates(name=typed, postcode="22761", city="Hamburg") == []


def test_duplicate_search_can_exclude_the_employer_itself_and_shows_archived_ones(make_employer):
    first = make_employer("Hotel Elbblick")
    second = make_employer("Hotel Elbblick Altona")
    archive_employer(employer=second)
    db.session.commit()
    candidates = find_duplicate_candidates(name="Hotel Elbblick", exclude_id=first.id)
    assert _names(candidates) == ["Hotel Elbblick Altona"]
    assert candidates[0].employer.is_archived


def test_duplicate_search_with_an_empty_name_finds_nothing(make_employer):
    make_employer("Hotel Elbblick")
    assert find_duplicate_candidates(name="  ") == []


# --- pipeline ------------------------------------------------------------------------------------


def test_pipeline_has_a_column_per_active_stage_pipeline_stages_first(make_employer):
    columns = pipeline_board()
    keys = [c.stage.key for c in columns]
    assert keys == [
        "lead",
        "first_contact",
        "talks",
        "offer",
        "trial",
        "cooperation",
        "dormant",
        "declined",
        "do_not_contact",
    ]


def test_pipeline_caps_cards_per_column_and_counts_all_longest_waiting_first(make_employer):
    for n in range(5):
        make_employer(f"Firma {n}")
    archived = make_employer("Archiviert")
    archive_employer(employer=archived)
    db.session.commit()
    lead = pipeline_board(per_column=3)[0]
    assert lead.total == 5 and lead.more == 2
    assert [e.name for e in lead.employers] == ["Firma 0", "Firma 1", "Firma 2"]


def test_pipeline_filters_by_owner_and_site(make_employer, make_user):
    owner = make_user(Role.ACQUISITION)
    make_employer("Meine Firma", owner_id=owner.id)
    make_employer("Andere Firma")
    lead = pipeline_board(owner_id=owner.id)[0]
    assert [e.name for e in lead.employers] == ["Meine Firma"] and lead.total == 1
    assert pipeline_board(site_id=999)[0].total == 0
