"""Services for the editable stage and industry catalogues (admin only)."""

import re

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from crm.db import unicode_lower
from crm.employers.models import Employer, Industry, Stage, StageKind
from crm.employers.normalize import fold
from crm.employers.services import EmployerError
from crm.extensions import db

# Stages the code relies on by key: new employers start in "lead".
REQUIRED_STAGE_KEYS = frozenset({"lead"})


def employer_counts_by_stage() -> dict[int, int]:
    """Number of current (not archived) employers per stage id."""
    query = select(Employer.stage_id, func.count()).where(Employer.archived_at.is_(None)).group_by(Employer.stage_id)
    return dict(db.session.execute(query).all())


def employer_counts_by_industry() -> dict[int, int]:
    query = (
        select(Employer.industry_id, func.count())
        .where(Employer.archived_at.is_(None), Employer.industry_id.is_not(None))
        .group_by(Employer.industry_id)
    )
    return dict(db.session.execute(query).all())


def _unique_key(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", fold(name)).strip("_")[:30] or "stage"
    existing = set(db.session.scalars(select(Stage.key).where(Stage.key.like(f"{base}%"))))
    key, n = base, 2
    while key in existing:
        key, n = f"{base}_{n}", n + 1
    return key


def save_stage(
    *,
    stage: Stage | None,
    name: str,
    position: int,
    kind: StageKind,
    cadence_days: int | None,
    requires_reason: bool,
    blocks_contact: bool,
    active: bool,
) -> Stage:
    """Create a stage (stage=None) or change one; a stage in use or needed by the code stays active."""
    clash = db.session.scalar(select(Stage).where(unicode_lower(Stage.name) == name.lower()))
    if clash is not None and clash is not stage:
        raise EmployerError(_("A stage with this name already exists."), "name")
    if stage is None:
        stage = Stage(key=_unique_key(name))
        db.session.add(stage)
    elif stage.active and not active:
        if stage.key in REQUIRED_STAGE_KEYS:
            raise EmployerError(_("New employers start in this stage; it must stay in use."), "active")
        in_use = employer_counts_by_stage().get(stage.id, 0)
        if in_use:
            raise EmployerError(
                ngettext(
                    "%(num)d employer is in this stage. Move it to another stage first.",
                    "%(num)d employers are in this stage. Move them to another stage first.",
                    in_use,
                ),
                "active",
            )
    stage.name = name
    stage.position = position
    stage.kind = kind
    stage.cadence_days = cadence_days
    stage.requires_reason = requires_reason
    stage.blocks_contact = blocks_contact
    stage.active = active
    db.session.flush()
    return stage


def save_industry(*, industry: Industry | None, name: str, active: bool = True) -> Industry:
    """Create an industry (industry=None) or rename / retire one; retired ones stay on their employers."""
    clash = db.session.scalar(select(Industry).where(unicode_lower(Industry.name) == name.lower()))
    if clash is not None and clash is not industry:
        raise EmployerError(_("An industry with this name already exists."), "name")
    if industry is None:
        industry = Industry()
        db.session.add(industry)
    industry.name = name
    industry.active = active
    db.session.flush()
    return industry
