"""Timeline sources of this domain: logged activities and stage changes, one query each."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.activities.models import Activity
from crm.employers.models import StageChange
from crm.extensions import db
from crm.timeline import TimelineEntry, TimelineSource, register_source


def fetch_activities(employer_id: int, limit: int) -> list[TimelineEntry]:
    """The newest non-archived activities with user and contact joined in."""
    query = (
        select(Activity)
        .where(Activity.employer_id == employer_id, Activity.archived_at.is_(None))
        .options(joinedload(Activity.user), joinedload(Activity.contact))
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(limit)
    )
    return [
        TimelineEntry(at=a.occurred_at, kind="activity", template="timeline/_activity.html", item=a, sort_key=a.id)
        for a in db.session.scalars(query)
    ]


def fetch_stage_changes(employer_id: int, limit: int) -> list[TimelineEntry]:
    """The newest stage changes with both stages and the user joined in."""
    query = (
        select(StageChange)
        .where(StageChange.employer_id == employer_id)
        .options(
            joinedload(StageChange.from_stage), joinedload(StageChange.to_stage), joinedload(StageChange.changed_by)
        )
        .order_by(StageChange.changed_at.desc(), StageChange.id.desc())
        .limit(limit)
    )
    return [
        TimelineEntry(
            at=c.changed_at, kind="stage_change", template="timeline/_stage_change.html", item=c, sort_key=c.id
        )
        for c in db.session.scalars(query)
    ]


def register_sources() -> None:
    register_source(TimelineSource(kind="activity", label=_l("Activities"), fetch=fetch_activities, order=10))
    register_source(TimelineSource(kind="stage_change", label=_l("Stage changes"), fetch=fetch_stage_changes, order=20))
