"""Fixtures for the employer tests: committed employers built through the services."""

from collections.abc import Callable

import pytest

from crm.employers.models import Employer
from crm.employers.services import EmployerInput, create_employer, stage_by_key
from crm.extensions import db


@pytest.fixture
def make_employer(app) -> Callable[..., Employer]:
    """Create and commit an employer; `stage` is a stage key, other keywords are EmployerInput fields."""

    def factory(name: str = "Bäckerei Müller GmbH", *, stage: str = "lead", actor=None, **fields) -> Employer:
        fields.setdefault("city", "Hamburg")
        employer = create_employer(data=EmployerInput(name=name, **fields), stage=stage_by_key(stage), actor=actor)
        db.session.commit()
        return employer

    return factory
