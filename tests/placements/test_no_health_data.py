"""Data protection: no table anywhere has a column for diagnoses or health data about workshop employees."""

import re

from crm.extensions import db

FORBIDDEN = re.compile(
    r"diagnos|health|gesund|behinder|disab|impair|illness|krank|medic|therap|icd|symptom|handicap|befund|pflegegrad|gdb",
    re.IGNORECASE,
)


def test_no_model_has_a_column_suggesting_health_or_diagnosis_data(app):
    offenders = [
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in table.columns
        if FORBIDDEN.search(column.name)
    ]
    assert offenders == []


def test_the_check_would_catch_such_a_column():
    assert FORBIDDEN.search("participant_diagnosis")
    assert FORBIDDEN.search("health_notes")
    assert FORBIDDEN.search("grad_der_behinderung")
    assert not FORBIDDEN.search("occupational_checkup_agreed")


def test_participant_tables_hold_only_a_short_pseudonymous_reference(app):
    for name in ("placements", "duoday_participations"):
        column = db.metadata.tables[name].columns["participant_ref"]
        assert column.type.length <= 20
