"""Saving the quota settings (one row for the workshop, audited)."""

from datetime import date
from decimal import Decimal

from crm.auth.models import User
from crm.extensions import db
from crm.reports.models import QuotaSettings
from crm.reports.queries import quota_settings


def save_quota_settings(
    *,
    workforce_size: int,
    outside_count: int | None,
    baseline_percent: Decimal,
    baseline_date: date,
    goal_percent: Decimal,
    goal_year: int,
    actor: User | None,
) -> QuotaSettings:
    """Create or update the workshop's quota settings."""
    settings = quota_settings()
    if settings is None:
        settings = QuotaSettings()
        db.session.add(settings)
    settings.workforce_size = workforce_size
    settings.outside_count = outside_count
    settings.baseline_percent = baseline_percent
    settings.baseline_date = baseline_date
    settings.goal_percent = goal_percent
    settings.goal_year = goal_year
    settings.updated_by_id = actor.id if actor is not None else None
    db.session.flush()
    return settings
