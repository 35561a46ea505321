"""The demo data includes objections, referrals and provider notes, and loading it twice adds nothing."""

from sqlalchemy import func, select

from crm.demo import load_demo_data
from crm.extensions import db
from crm.objections.models import ArgumentUse, EmployerObjection
from crm.referrals.models import ProviderInvolvement, Referral


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (EmployerObjection, ArgumentUse, Referral, ProviderInvolvement)
    )


def test_demo_data_has_objections_and_referrals_and_is_idempotent(app):
    load_demo_data()
    first = _counts()
    assert all(first), first
    load_demo_data()
    assert _counts() == first
