"""Referral services: record who recommended whom, create an employer from a referral, the tree, the thank-you
suggestion, insights, partners and the other providers involved. Services add and flush, never commit.
"""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import aliased, joinedload

from crm.auth.models import User
from crm.contacts.models import Contact
from crm.db import unicode_lower, utcnow
from crm.domain import DomainError
from crm.employers.models import Employer, EmployerSource, Stage
from crm.extensions import db
from crm.followups.workdays import local_today
from crm.referrals.models import Partner, PartnerKind, ProviderInvolvement, Referral

COOPERATION_KEY = "cooperation"


class ReferralError(DomainError):
    """A domain rule stopped the change; `field` names the form field the message belongs to."""


# --- partners -----------------------------------------------------------------------------------


def active_partners(*, kind: PartnerKind | None = None) -> list[Partner]:
    query = select(Partner).where(Partner.active.is_(True)).order_by(Partner.name)
    if kind is not None:
        query = query.where(Partner.kind == kind)
    return list(db.session.scalars(query))


def save_partner(*, partner: Partner | None, name: str, kind: PartnerKind, note: str | None, active: bool) -> Partner:
    """Create (partner=None) or change a network partner; names are unique, case-insensitively."""
    name = " ".join(name.split())
    clash = db.session.scalar(select(Partner).where(unicode_lower(Partner.name) == name.lower()))
    if clash is not None and clash is not partner:
        raise ReferralError(_("An entry with this name already exists."), "name")
    if partner is None:
        partner = Partner(name=name, kind=kind)
        db.session.add(partner)
    partner.name, partner.kind, partner.note, partner.active = name, kind, note or None, active
    db.session.flush()
    return partner


# --- referrals ----------------------------------------------------------------------------------


def record_referral(
    *,
    referred: Employer,
    referred_on: date,
    actor: User | None,
    referrer_employer: Employer | None = None,
    partner: Partner | None = None,
    contact: Contact | None = None,
    note: str | None = None,
) -> Referral:
    """Link the recommended employer to who recommended it: an employer (and its contact) or a network partner."""
    if (referrer_employer is None) == (partner is None):
        raise ReferralError(_("Please choose either an employer or a network partner who recommended."), "referrer")
    if referrer_employer is not None and referrer_employer.id == referred.id:
        raise ReferralError(_("An employer cannot recommend itself."), "referrer")
    if contact is not None and (referrer_employer is None or contact.employer_id != referrer_employer.id):
        raise ReferralError(_("The contact person must work at the recommending employer."), "contact_id")
    if referred_on > local_today():  # the day in Europe/Berlin, as the form shows it
        raise ReferralError(_("The date of the recommendation cannot be in the future."), "referred_on")
    duplicate = db.session.scalar(
        select(Referral.id).where(
            Referral.referred_id == referred.id,
            Referral.archived_at.is_(None),
            Referral.referrer_employer_id == referrer_employer.id
            if referrer_employer is not None
            else Referral.partner_id == partner.id,  # type: ignore[union-attr]
        )
    )
    if duplicate is not None:
        raise ReferralError(_("This recommendation is already recorded."), "referrer")
    referral = Referral(
        referred=referred,
        referrer_employer=referrer_employer,
        partner=partner,
        referrer_contact=contact,
        referred_on=referred_on,
        note=note or None,
        created_by=actor,
    )
    db.session.add(referral)
    db.session.flush()
    return referral


def create_referred_employer(
    *,
    data,
    referred_on: date,
    actor: User | None,
    referrer_employer: Employer | None = None,
    partner: Partner | None = None,
    contact: Contact | None = None,
    note: str | None = None,
) -> tuple[Employer, Referral]:
    """Create the recommended employer (source = referral) and the referral in one unit of work."""
    from crm.employers.services import create_employer

    data.source = EmployerSource.REFERRAL
    employer = create_employer(data=data, actor=actor)
    referral = record_referral(
        referred=employer,
        referred_on=referred_on,
        actor=actor,
        referrer_employer=referrer_employer,
        partner=partner,
        contact=contact,
        note=note,
    )
    return employer, referral


def archive_referral(*, referral: Referral) -> Referral:
    if referral.archived_at is None:
        referral.archived_at = utcnow()
        db.session.flush()
    return referral


@dataclass
class ReferralTree:
    recommended_by: list[Referral] = field(default_factory=list)
    has_recommended: list[Referral] = field(default_factory=list)
    # referred employer id -> referrals that employer made in turn (the second level of the tree)
    grandchildren: dict[int, list[Referral]] = field(default_factory=dict)
    thanks_due: list[Referral] = field(default_factory=list)


def _with_people(query: Select) -> Select:
    return query.options(
        joinedload(Referral.referred),
        joinedload(Referral.referrer_employer),
        joinedload(Referral.referrer_contact),
        joinedload(Referral.partner),
    )


def referral_tree(employer_id: int) -> ReferralTree:
    """Who recommended the employer, whom it recommended, and whom those recommended (three queries)."""
    live = Referral.archived_at.is_(None)
    order = (Referral.referred_on.desc(), Referral.id.desc())
    parents = list(
        db.session.scalars(
            _with_people(select(Referral).where(Referral.referred_id == employer_id, live).order_by(*order))
        )
    )
    children = list(
        db.session.scalars(
            _with_people(select(Referral).where(Referral.referrer_employer_id == employer_id, live).order_by(*order))
        )
    )
    grandchildren: dict[int, list[Referral]] = {}
    if children:
        rows = db.session.scalars(
            _with_people(
                select(Referral)
                .where(Referral.referrer_employer_id.in_([c.referred_id for c in children]), live)
                .order_by(*order)
            )
        )
        for row in rows:
            grandchildren.setdefault(row.referrer_employer_id, []).append(row)
    tree = ReferralTree(parents, children, grandchildren)
    tree.thanks_due = [r for r in [*parents, *children] if _thanks_due(r)]
    return tree


def _thanks_due(referral: Referral) -> bool:
    return (
        referral.thanks_handled_at is None
        and referral.referrer_employer is not None
        and referral.referred.stage.key == COOPERATION_KEY
    )


def create_thanks_followup(*, referral: Referral, actor: User, today: date | None = None):
    """Schedule the suggested thank-you follow-up for the referrer (through the follow-up services)."""
    from crm.followups.services import FollowUpError, schedule_followup

    if not _thanks_due(referral):
        raise ReferralError(_("A thank-you is not due for this recommendation."))
    title = _(
        "Thank %(referrer)s for recommending %(referred)s",
        referrer=referral.referrer_name,
        referred=referral.referred.name,
    )
    try:
        followup = schedule_followup(
            employer=referral.referrer_employer,
            title=title,
            due_date=today or local_today(),
            created_by=actor,
            contact=referral.referrer_contact
            if referral.referrer_contact and referral.referrer_contact.is_current
            else None,
            note=_("%(referred)s now cooperates with us.", referred=referral.referred.name),
            today=today,
        )
    except FollowUpError as error:
        raise ReferralError(str(error.args[0]) if error.args else _("The follow-up could not be created.")) from error
    referral.thanks_handled_at = utcnow()
    referral.thanks_followup_id = followup.id
    db.session.flush()
    return followup


def dismiss_thanks(*, referral: Referral) -> Referral:
    """Hide the thank-you suggestion (e.g. thanked in person already)."""
    if referral.thanks_handled_at is None:
        referral.thanks_handled_at = utcnow()
        db.session.flush()
    return referral


# --- insights -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferrerRow:
    name: str
    employer_id: int | None
    partner_id: int | None
    kind_label: str
    referrals: int
    cooperations: int

    @property
    def rate(self) -> int:
        return round(100 * self.cooperations / self.referrals) if self.referrals else 0


def top_referrers(
    *,
    start: date | None = None,
    end: date | None = None,
    industry_id: int | None = None,
    site_id: int | None = None,
    limit: int = 20,
) -> list[ReferrerRow]:
    """Referrers ranked by referrals made, with how many became cooperations (one GROUP BY query)."""
    referred = aliased(Employer)
    referrer = aliased(Employer)
    count = func.count(Referral.id).label("n")
    coop = func.sum(case((Stage.key == COOPERATION_KEY, 1), else_=0)).label("coop")
    query = (
        select(
            Referral.referrer_employer_id, Referral.partner_id, referrer.name, Partner.name, Partner.kind, count, coop
        )
        .join(referred, Referral.referred_id == referred.id)
        .join(Stage, referred.stage_id == Stage.id)
        .outerjoin(referrer, Referral.referrer_employer_id == referrer.id)
        .outerjoin(Partner, Referral.partner_id == Partner.id)
        .where(Referral.archived_at.is_(None), referred.archived_at.is_(None))
        .group_by(Referral.referrer_employer_id, Referral.partner_id, referrer.name, Partner.name, Partner.kind)
        .order_by(count.desc(), coop.desc(), func.coalesce(referrer.name, Partner.name))
        .limit(limit)
    )
    if start:
        query = query.where(Referral.referred_on >= start)
    if end:
        query = query.where(Referral.referred_on <= end)
    if industry_id:
        query = query.where(referred.industry_id == industry_id)
    if site_id:
        query = query.where(referred.site_id == site_id)
    rows = []
    for employer_id, partner_id, employer_name, partner_name, kind, n, c in db.session.execute(query):
        kind_label = PartnerKind(kind).label if kind else _("Employer")
        rows.append(
            ReferrerRow(employer_name or partner_name, employer_id, partner_id, kind_label, int(n), int(c or 0))
        )
    return rows


def referrals_of(*, employer_id: int | None = None, partner_id: int | None = None) -> list[Referral]:
    """Every live referral made by one referrer, newest first."""
    query = _with_people(select(Referral).where(Referral.archived_at.is_(None))).order_by(Referral.referred_on.desc())
    if employer_id is not None:
        query = query.where(Referral.referrer_employer_id == employer_id)
    else:
        query = query.where(Referral.partner_id == partner_id)
    return list(db.session.scalars(query.options(joinedload(Referral.referred).joinedload(Employer.stage))))


# --- finding employers by name (referrer picker) -----------------------------------------------

NAME_MAX_LENGTH = Employer.name.type.length


def find_employers_by_name(text: str, *, exclude_id: int | None = None, limit: int = 10) -> list[Employer]:
    """Employers whose name contains `text` (case-insensitive), exact matches first."""
    text = " ".join((text or "").split())
    # No name is longer than its column; and SQLite refuses LIKE patterns over 50 000 bytes (a 500).
    if not text or len(text) > NAME_MAX_LENGTH:
        return []
    pattern = f"%{text.lower()}%"
    query = (
        select(Employer)
        .where(func.lower(Employer.name).like(pattern), Employer.archived_at.is_(None))
        .order_by((func.lower(Employer.name) == text.lower()).desc(), Employer.name)
        .limit(limit)
    )
    if exclude_id is not None:
        query = query.where(Employer.id != exclude_id)
    return list(db.session.scalars(query))


# --- other providers involved -------------------------------------------------------------------


def employer_providers(employer_id: int) -> list[ProviderInvolvement]:
    return list(
        db.session.scalars(
            select(ProviderInvolvement)
            .where(ProviderInvolvement.employer_id == employer_id, ProviderInvolvement.archived_at.is_(None))
            .join(Partner)
            .order_by(Partner.name)
        )
    )


def add_provider(*, employer: Employer, partner: Partner, note: str | None, actor: User | None) -> ProviderInvolvement:
    """Record that another provider also approaches this employer (brings back an archived entry)."""
    existing = db.session.scalar(
        select(ProviderInvolvement).where(
            ProviderInvolvement.employer_id == employer.id, ProviderInvolvement.partner_id == partner.id
        )
    )
    if existing is not None and existing.archived_at is None:
        raise ReferralError(_("This provider is already recorded for the employer."), "partner_id")
    if existing is None:
        existing = ProviderInvolvement(employer_id=employer.id, partner=partner)
        db.session.add(existing)
    existing.archived_at = None
    existing.note = note or None
    existing.recorded_by = actor
    db.session.flush()
    return existing


def remove_provider(*, involvement: ProviderInvolvement) -> ProviderInvolvement:
    if involvement.archived_at is None:
        involvement.archived_at = utcnow()
        db.session.flush()
    return involvement


def employers_with_other_providers(employer_ids: list[int]) -> dict[int, list[str]]:
    """Provider names per employer, for list pages (one query)."""
    if not employer_ids:
        return {}
    rows = db.session.execute(
        select(ProviderInvolvement.employer_id, Partner.name)
        .join(Partner)
        .where(ProviderInvolvement.employer_id.in_(employer_ids), ProviderInvolvement.archived_at.is_(None))
        .order_by(Partner.name)
    )
    result: dict[int, list[str]] = {}
    for employer_id, name in rows:
        result.setdefault(employer_id, []).append(name)
    return result
