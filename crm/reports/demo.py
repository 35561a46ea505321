"""Demo quota settings, so the quota report shows a path to the goal right away."""

from datetime import date
from decimal import Decimal

from crm.auth.models import Role, User
from crm.followups.workdays import local_today
from crm.reports.queries import quota_settings
from crm.reports.services import save_quota_settings


def load_demo_quota(users: dict[Role, User]) -> None:
    """The workshop of the talk: about 34 % working outside at the start of the year, 40 % by 2027."""
    if quota_settings() is not None:
        return
    today = local_today()
    save_quota_settings(
        workforce_size=420,
        outside_count=None,
        baseline_percent=Decimal("34.0"),
        baseline_date=date(today.year, 1, 1),
        goal_percent=Decimal("40.0"),
        goal_year=max(2027, today.year + 1),
        actor=users.get(Role.ADMIN),
    )
