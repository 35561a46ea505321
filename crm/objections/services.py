"""Objection services: catalogues, recording objections and arguments, outcomes, decline reasons, the matrix.

Services add and flush, never commit; the view owns the transaction.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from crm.auth.models import User
from crm.db import unicode_lower, utcnow
from crm.domain import DomainError
from crm.employers.models import Employer, Stage
from crm.extensions import db
from crm.objections.models import Argument, ArgumentUse, EmployerObjection, Objection, Outcome, RecordStatus

BERLIN = ZoneInfo("Europe/Berlin")


class ObjectionError(DomainError):
    """A domain rule stopped the change; `field` names the form field the message belongs to."""


# --- catalogues ---------------------------------------------------------------------------------


def active_objections() -> list[Objection]:
    return list(
        db.session.scalars(
            select(Objection).where(Objection.active.is_(True)).order_by(Objection.position, Objection.name)
        )
    )


def active_arguments() -> list[Argument]:
    return list(
        db.session.scalars(select(Argument).where(Argument.active.is_(True)).order_by(Argument.position, Argument.name))
    )


def save_catalogue_entry(
    *, model: type[Objection] | type[Argument], entry, name: str, text: str | None, position: int, active: bool
):
    """Create (entry=None) or change an objection or argument; names are unique, case-insensitively."""
    name = " ".join(name.split())
    clash = db.session.scalar(select(model).where(unicode_lower(model.name) == name.lower()))
    if clash is not None and clash is not entry:
        raise ObjectionError(_("An entry with this name already exists."), "name")
    if entry is None:
        entry = model(name=name)
        db.session.add(entry)
    entry.name = name
    if model is Objection:
        entry.description = text
    else:
        entry.handout = text
    entry.position = position
    entry.active = active
    db.session.flush()
    return entry


# --- recording ----------------------------------------------------------------------------------


def _refresh_status(record: EmployerObjection) -> None:
    """An objection counts as resolved as soon as one argument resolved it."""
    resolved = any(use.outcome == Outcome.RESOLVED for use in record.uses)
    if resolved and record.status != RecordStatus.RESOLVED:
        record.status = RecordStatus.RESOLVED
        record.resolved_at = utcnow()
    elif not resolved and record.status == RecordStatus.RESOLVED:
        record.status = RecordStatus.OPEN
        record.resolved_at = None


def record_objection(
    *,
    employer: Employer,
    objection: Objection,
    actor: User | None,
    note: str | None = None,
    activity_id: int | None = None,
    raised_at: datetime | None = None,
    is_decline_reason: bool = False,
) -> EmployerObjection:
    """Record that the employer raised `objection` (on an activity or directly)."""
    if employer.is_archived:
        raise ObjectionError(_("Archived employers cannot be changed. Restore the employer first."))
    if not objection.active:
        raise ObjectionError(_("This objection is no longer in use. Please choose another one."), "objection_id")
    record = EmployerObjection(
        employer=employer,
        objection=objection,
        activity_id=activity_id,
        note=note or None,
        raised_at=raised_at or utcnow(),
        recorded_by=actor,
        is_decline_reason=is_decline_reason,
    )
    db.session.add(record)
    db.session.flush()
    return record


def record_argument(
    *,
    record: EmployerObjection,
    argument: Argument,
    outcome: Outcome,
    actor: User | None,
    note: str | None = None,
    activity_id: int | None = None,
    used_at: datetime | None = None,
) -> ArgumentUse:
    """Record that `argument` was used against the objection, with its result."""
    if not argument.active:
        raise ObjectionError(_("This argument is no longer in use. Please choose another one."), "argument_id")
    use = ArgumentUse(
        record=record,
        argument=argument,
        outcome=outcome,
        note=note or None,
        activity_id=activity_id,
        used_by=actor,
        used_at=used_at or utcnow(),
    )
    db.session.add(use)
    _refresh_status(record)
    db.session.flush()
    return use


def set_argument_outcome(*, use: ArgumentUse, outcome: Outcome) -> ArgumentUse:
    """Change the result of an argument (e.g. the employer's worry turned out resolved)."""
    use.outcome = outcome
    _refresh_status(use.record)
    db.session.flush()
    return use


def archive_objection_record(*, record: EmployerObjection) -> EmployerObjection:
    """Take a wrongly recorded objection off the page and out of the figures (the audit trail keeps it)."""
    if record.archived_at is None:
        record.archived_at = utcnow()
        db.session.flush()
    return record


def record_decline_reason(
    *, employer: Employer, objection: Objection | None, text: str | None, actor: User | None
) -> EmployerObjection | None:
    """Record why an employer declined: an objection from the catalogue feeds the matrix; free text alone does not."""
    if objection is None and not (text or "").strip():
        raise ObjectionError(_("Please choose an objection or describe the reason."), "objection_id")
    if objection is None:
        return None
    return record_objection(
        employer=employer, objection=objection, actor=actor, note=(text or "").strip() or None, is_decline_reason=True
    )


def decline_reason_text(objection: Objection | None, text: str | None) -> str:
    """The stage-change reason for a decline: the objection's name and the free text."""
    parts = [objection.name if objection else "", (text or "").strip()]
    return " – ".join(part for part in parts if part)


def decline_employer(
    *,
    employer: Employer,
    declined_stage: Stage,
    objection: Objection | None,
    text: str | None,
    approach_again_on: date | None,
    actor: User | None,
) -> EmployerObjection | None:
    """Move the employer to "declined" with the reason, record the reason, and set the re-approach date."""
    from crm.employers.services import EmployerError, move_employer_to_stage

    if objection is None and not (text or "").strip():
        raise ObjectionError(_("Please choose an objection or describe the reason."), "objection_id")
    try:
        move_employer_to_stage(
            employer=employer, stage=declined_stage, reason=decline_reason_text(objection, text), actor=actor
        )
    except EmployerError as error:
        raise ObjectionError(error.message, error.field if error.field != "reason" else "text") from error
    record = record_decline_reason(employer=employer, objection=objection, text=text, actor=actor)
    set_do_not_approach_before(employer=employer, day=approach_again_on)
    return record


def set_do_not_approach_before(*, employer: Employer, day: date | None) -> Employer:
    """Set or clear the day before which nobody approaches the employer again."""
    from crm.employers.services import _flush_or_stale

    employer.do_not_approach_before = day
    _flush_or_stale(employer)
    return employer


def may_approach(employer: Employer, *, on: date) -> bool:
    """False while the employer's "do not approach before" date lies after `on` (for lists and bulk follow-ups)."""
    return employer.do_not_approach_before is None or employer.do_not_approach_before <= on


# --- reading ------------------------------------------------------------------------------------


def employer_objections(employer_id: int) -> list[EmployerObjection]:
    """The employer's objections: open first, newest first, with their arguments (two queries)."""
    return list(
        db.session.scalars(
            select(EmployerObjection)
            .where(EmployerObjection.employer_id == employer_id, EmployerObjection.archived_at.is_(None))
            .options(
                joinedload(EmployerObjection.recorded_by),
                selectinload(EmployerObjection.uses).joinedload(ArgumentUse.used_by),
            )
            .order_by(
                (EmployerObjection.status == RecordStatus.RESOLVED).asc(),
                EmployerObjection.raised_at.desc(),
                EmployerObjection.id.desc(),
            )
        ).unique()
    )


# --- insights -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InsightFilter:
    start: date | None = None
    end: date | None = None
    industry_id: int | None = None
    site_id: int | None = None

    def params(self) -> dict[str, str]:
        values = {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "industry": self.industry_id,
            "site": self.site_id,
        }
        return {key: str(value) for key, value in values.items() if value is not None}


def local_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BERLIN)


def _filtered(query: Select, when_column, flt: InsightFilter) -> Select:
    """Apply period (on `when_column`), industry and site; the query must already join Employer."""
    if flt.start:
        query = query.where(when_column >= local_day_start(flt.start))
    if flt.end:
        query = query.where(when_column < local_day_start(flt.end + timedelta(days=1)))
    if flt.industry_id:
        query = query.where(Employer.industry_id == flt.industry_id)
    if flt.site_id:
        query = query.where(Employer.site_id == flt.site_id)
    return query.where(Employer.archived_at.is_(None), EmployerObjection.archived_at.is_(None))


@dataclass(frozen=True)
class Cell:
    uses: int
    resolved: int
    partly: int

    @property
    def rate(self) -> int:
        """Percentage of uses that resolved the objection."""
        return round(100 * self.resolved / self.uses) if self.uses else 0


@dataclass
class Matrix:
    objections: list[Objection]
    arguments: list[Argument]
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    raised: dict[int, int] = field(default_factory=dict)  # objection id -> times raised

    def cell(self, objection_id: int, argument_id: int) -> Cell | None:
        return self.cells.get((objection_id, argument_id))


def objection_matrix(flt: InsightFilter) -> Matrix:
    """Objection × argument: uses, resolved and partly resolved per cell, aggregated in SQL (four queries)."""
    query = (
        select(
            EmployerObjection.objection_id,
            ArgumentUse.argument_id,
            func.count(ArgumentUse.id),
            func.sum(case((ArgumentUse.outcome == Outcome.RESOLVED, 1), else_=0)),
            func.sum(case((ArgumentUse.outcome == Outcome.PARTLY, 1), else_=0)),
        )
        .join(EmployerObjection, ArgumentUse.record_id == EmployerObjection.id)
        .join(Employer, EmployerObjection.employer_id == Employer.id)
        .group_by(EmployerObjection.objection_id, ArgumentUse.argument_id)
    )
    cells = {
        (o, a): Cell(int(n), int(r or 0), int(p or 0))
        for o, a, n, r, p in db.session.execute(_filtered(query, ArgumentUse.used_at, flt))
    }
    raised_query = (
        select(EmployerObjection.objection_id, func.count(EmployerObjection.id))
        .join(Employer, EmployerObjection.employer_id == Employer.id)
        .group_by(EmployerObjection.objection_id)
    )
    raised = dict(db.session.execute(_filtered(raised_query, EmployerObjection.raised_at, flt)).all())
    used_objections = {o for o, _a in cells} | set(raised)
    used_arguments = {a for _o, a in cells}
    objections = [o for o in _all(Objection) if o.active or o.id in used_objections]
    arguments = [a for a in _all(Argument) if a.active or a.id in used_arguments]
    return Matrix(objections, arguments, cells, {k: int(v) for k, v in raised.items()})


def _all(model):
    return list(db.session.scalars(select(model).order_by(model.position, model.name)))


def frequent_open_objections(flt: InsightFilter, limit: int = 10) -> list[tuple[Objection, int]]:
    """The objections most often still open, with their count."""
    count = func.count(EmployerObjection.id).label("n")
    query = (
        select(EmployerObjection.objection_id, count)
        .join(Employer, EmployerObjection.employer_id == Employer.id)
        .where(EmployerObjection.status == RecordStatus.OPEN)
        .group_by(EmployerObjection.objection_id)
        .order_by(count.desc(), EmployerObjection.objection_id)
        .limit(limit)
    )
    rows = db.session.execute(_filtered(query, EmployerObjection.raised_at, flt)).all()
    by_id = {o.id: o for o in db.session.scalars(select(Objection).where(Objection.id.in_([r[0] for r in rows])))}
    return [(by_id[o], int(n)) for o, n in rows]


def best_arguments(flt: InsightFilter, limit: int = 10) -> list[tuple[Argument, Cell]]:
    """Arguments ranked by how often they resolved an objection (then by uses), within the filter."""
    resolved = func.sum(case((ArgumentUse.outcome == Outcome.RESOLVED, 1), else_=0)).label("resolved")
    partly = func.sum(case((ArgumentUse.outcome == Outcome.PARTLY, 1), else_=0))
    uses = func.count(ArgumentUse.id)
    query = (
        select(ArgumentUse.argument_id, uses, resolved, partly)
        .join(EmployerObjection, ArgumentUse.record_id == EmployerObjection.id)
        .join(Employer, EmployerObjection.employer_id == Employer.id)
        .group_by(ArgumentUse.argument_id)
        .order_by(resolved.desc(), uses.desc(), ArgumentUse.argument_id)
        .limit(limit)
    )
    rows = db.session.execute(_filtered(query, ArgumentUse.used_at, flt)).all()
    by_id = {a.id: a for a in db.session.scalars(select(Argument).where(Argument.id.in_([r[0] for r in rows])))}
    return [(by_id[a], Cell(int(n), int(r or 0), int(p or 0))) for a, n, r, p in rows if int(r or 0) or int(p or 0)]


def matching_uses(
    flt: InsightFilter, *, objection_id: int | None, argument_id: int | None, status: RecordStatus | None = None
) -> Select:
    """The argument uses (or, without an argument, the raised objections) behind one matrix cell."""
    if argument_id is not None:
        query = (
            select(ArgumentUse)
            .join(EmployerObjection, ArgumentUse.record_id == EmployerObjection.id)
            .join(Employer, EmployerObjection.employer_id == Employer.id)
            .where(ArgumentUse.argument_id == argument_id)
            .options(
                joinedload(ArgumentUse.record).joinedload(EmployerObjection.employer),
                joinedload(ArgumentUse.used_by),
            )
            .order_by(ArgumentUse.used_at.desc(), ArgumentUse.id.desc())
        )
        if objection_id is not None:
            query = query.where(EmployerObjection.objection_id == objection_id)
        return _filtered(query, ArgumentUse.used_at, flt)
    query = (
        select(EmployerObjection)
        .join(Employer, EmployerObjection.employer_id == Employer.id)
        .options(joinedload(EmployerObjection.employer), joinedload(EmployerObjection.recorded_by))
        .order_by(EmployerObjection.raised_at.desc(), EmployerObjection.id.desc())
    )
    if objection_id is not None:
        query = query.where(EmployerObjection.objection_id == objection_id)
    if status is not None:
        query = query.where(EmployerObjection.status == status)
    return _filtered(query, EmployerObjection.raised_at, flt)
