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

from crm.api.models import TokenScope
from crm.api.spec import openapi_document
from crm.api.tokens import create_token
from crm.employers.services import EmployerInput, create_employer
from crm.extensions import db

MAX_EXAMPLES = 50
SCHEMA = schemathesis.openapi.from_dict(openapi_document())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture
def admin_token(make_user) -> str:
    create_employer(data=EmployerInput(name="Bäckerei Müller", postcode="22761"))
    _token, secret = create_token(user=make_user("admin"), name="schemathesis", scope=TokenScope.WRITE)
    db.session.commit()
    return secret


def test_the_document_is_loaded_with_every_operation():
    labels = {operation.label for operation in OPERATIONS}
    assert "POST /employers" in labels and "PATCH /contacts/{id}" in labels and len(labels) >= 11


def _avoids_known_tag_bug(case) -> bool:
    """Known defect, reported to the lead: crm.employers.services.tags_for_names looks tags up with SQL
    lower(), which SQLite applies to ASCII only, so re-using an existing tag with a non-ASCII capital
    ("Öko") fails with a unique violation (test_existing_umlaut_tag_can_be_reused below). Until it is
    fixed, generated tag names stay ASCII; every other part of the body is generated freely.
    """
    body = case.body if isinstance(case.body, dict) else {}
    tags = body.get("tags") or []
    return all(isinstance(tag, str) and tag.isascii() for tag in tags)


@pytest.mark.xfail(strict=True, reason="tags_for_names: SQLite lower() is ASCII-only (reported to the lead)")
def test_existing_umlaut_tag_can_be_reused(app):
    if db.engine.url.get_backend_name() != "sqlite":
        pytest.xfail("the defect is SQLite-only")
    create_employer(data=EmployerInput(name="A", tags=["Öko"]))
    db.session.commit()
    create_employer(data=EmployerInput(name="B", tags=["Öko"]))
    db.session.commit()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_operation_matches_the_openapi_document(app, admin_token, operation):
    SCHEMA.app = app
    headers = {"Authorization": f"Bearer {admin_token}"}

    @given(case=operation.as_strategy().filter(_avoids_known_tag_bug))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case) -> None:
        case.call_and_validate(headers=headers, app=app, excluded_checks=[positive_data_acceptance])

    check()
