"""Property-based checks of /api/v1 against its own OpenAPI document (schemathesis, bounded examples).

Every operation gets generated requests (valid by the document) through the WSGI app; every response
must match the document: status code documented, body valid against its schema, no server error.
The "positive data acceptance" check is left out: a schema-valid request can still name an employer
that does not exist, which is a documented 422, not a defect. The schemathesis pytest plugin is not used (it does not support this pytest version); each operation's
hypothesis strategy is driven directly.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from crm.activities.models import ActivityKind
from crm.activities.services import log_activity
from crm.api.models import TokenScope
from crm.api.spec import openapi_document
from crm.api.tokens import create_token
from crm.employers.services import EmployerInput, create_employer
from crm.extensions import db
from crm.followups.services import schedule_followup
from crm.followups.workdays import local_today
from crm.postings.models import PostingType
from crm.postings.services import PostingInput, create_posting

MAX_EXAMPLES = 50
SCHEMA = schemathesis.openapi.from_dict(openapi_document())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture
def admin_token(make_user) -> str:
    """A write token of an admin, and one record of each kind (id 1), so updates reach the services."""
    admin = make_user("admin")
    employer = create_employer(data=EmployerInput(name="Bäckerei Müller", postcode="22761"))
    log_activity(employer=employer, kind=ActivityKind.CALL, user=admin, subject="Erstgespräch")
    schedule_followup(employer=employer, title="Zurückrufen", due_date=local_today(), created_by=admin)
    create_posting(
        employer=employer, data=PostingInput(title="Küchenhilfe", posting_type=PostingType.INDIVIDUAL), actor=admin
    )
    _token, secret = create_token(user=admin, name="schemathesis", scope=TokenScope.WRITE)
    db.session.commit()
    return secret


def test_the_document_is_loaded_with_every_operation():
    labels = {operation.label for operation in OPERATIONS}
    assert "POST /employers" in labels and "PATCH /contacts/{id}" in labels and len(labels) >= 11
    for label in ("POST /followups", "PATCH /followups/{id}", "POST /postings", "PATCH /postings/{id}"):
        assert label in labels
    assert "PATCH /activities/{id}" in labels


def test_existing_umlaut_tag_can_be_reused(app):
    """Tags are matched case-insensitively beyond ASCII (SQLite's lower() alone would miss "Öko")."""
    first = create_employer(data=EmployerInput(name="A", tags=["Öko"]))
    db.session.commit()
    second = create_employer(data=EmployerInput(name="B", tags=["öKO"]))
    db.session.commit()
    assert [t.id for t in first.tags] == [t.id for t in second.tags]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_operation_matches_the_openapi_document(app, admin_token, operation):
    SCHEMA.app = app
    headers = {"Authorization": f"Bearer {admin_token}"}

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case) -> None:
        case.call_and_validate(headers=headers, app=app, excluded_checks=[positive_data_acceptance])

    check()


def test_tag_with_sharp_s_is_reused_on_every_database(app):
    first = create_employer(data=EmployerInput(name="A", tags=["draußen"]))
    db.session.commit()
    second = create_employer(data=EmployerInput(name="B", tags=["Draußen"]))
    db.session.commit()
    assert [t.id for t in first.tags] == [t.id for t in second.tags]
