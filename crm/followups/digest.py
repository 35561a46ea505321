"""The morning digest: what each user has to do today, gathered for many users in a few queries."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app, render_template
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from crm.activities.models import Activity
from crm.auth.models import User
from crm.contacts.models import Contact
from crm.employers.models import Employer
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.followups.services import due_for_contact_condition, priority_order
from crm.mail import absolute_url

# A digest is a reading list, not an export: beyond this many per section it links to the page.
SECTION_LIMIT = 30
CHUNK = 500  # ids per IN (...) list


@dataclass
class DigestItem:
    employer: Employer
    link: str
    followup: FollowUp | None = None
    contact_name: str | None = None
    phone: str | None = None
    last_note: str | None = None
    last_note_at: datetime | None = None


@dataclass
class Digest:
    user: User
    day: date
    overdue: list[DigestItem] = field(default_factory=list)
    today: list[DigestItem] = field(default_factory=list)
    due_for_contact: list[DigestItem] = field(default_factory=list)
    overdue_total: int = 0
    today_total: int = 0
    contact_total: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.overdue_total or self.today_total or self.contact_total)


def employer_link(employer_id: int) -> str:
    return absolute_url("employers.detail", employer_id=employer_id)


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def _last_notes(employer_ids: Sequence[int]) -> dict[int, Activity]:
    """The newest logged activity per employer (one window query per chunk)."""
    result: dict[int, Activity] = {}
    for chunk in _chunks(employer_ids):
        ranked = (
            select(
                Activity.id,
                func.row_number()
                .over(partition_by=Activity.employer_id, order_by=(Activity.occurred_at.desc(), Activity.id.desc()))
                .label("rank"),
            )
            .where(Activity.employer_id.in_(chunk), Activity.archived_at.is_(None))
            .subquery()
        )
        rows = db.session.scalars(select(Activity).join(ranked, ranked.c.id == Activity.id).where(ranked.c.rank == 1))
        result.update((activity.employer_id, activity) for activity in rows)
    return result


def _primary_contacts(employer_ids: Sequence[int]) -> dict[int, Contact]:
    result: dict[int, Contact] = {}
    for chunk in _chunks(employer_ids):
        rows = db.session.scalars(
            select(Contact).where(
                Contact.employer_id.in_(chunk),
                Contact.is_primary.is_(True),
                Contact.has_left.is_(False),
                Contact.archived_at.is_(None),
            )
        )
        result.update((contact.employer_id, contact) for contact in rows)
    return result


def _due_followups(user_ids: Sequence[int], day: date) -> tuple[list[FollowUp], dict[tuple[int, bool], int]]:
    """Per user the first SECTION_LIMIT overdue and due-today follow-ups, and how many there are of each."""
    rows: list[FollowUp] = []
    totals: dict[tuple[int, bool], int] = {}
    overdue = (FollowUp.due_date < day).label("overdue")
    order = (FollowUp.due_date, FollowUp.due_time.nulls_first(), priority_order(), FollowUp.id)
    for chunk in _chunks(user_ids):
        window = (FollowUp.assigned_to_id, FollowUp.due_date < day)
        ranked = (
            select(
                FollowUp.id.label("followup_id"),
                overdue,
                func.row_number().over(partition_by=window, order_by=order).label("rank"),
                func.count().over(partition_by=window).label("total"),
            )
            .where(FollowUp.assigned_to_id.in_(chunk), FollowUp.status == FollowUpStatus.OPEN, FollowUp.due_date <= day)
            .subquery()
        )
        result = db.session.execute(
            select(FollowUp, ranked.c.overdue, ranked.c.total)
            .join(ranked, ranked.c.followup_id == FollowUp.id)
            .where(ranked.c.rank <= SECTION_LIMIT)
            .options(joinedload(FollowUp.employer), joinedload(FollowUp.contact))
            .order_by(FollowUp.assigned_to_id, ranked.c.rank)
        ).all()
        for followup, is_overdue, total in result:
            rows.append(followup)
            totals[(followup.assigned_to_id, bool(is_overdue))] = total
    return rows, totals


def _due_contacts(user_ids: Sequence[int], now: datetime) -> tuple[dict[int, list[Employer]], dict[int, int]]:
    """Per owner: the first SECTION_LIMIT employers due for contact (longest silent first), and the total."""
    employers: dict[int, list[Employer]] = defaultdict(list)
    totals: dict[int, int] = {}
    condition = due_for_contact_condition(now)
    silence = func.coalesce(Employer.last_contact_at, Employer.created_at)
    for chunk in _chunks(user_ids):
        ranked = (
            select(
                Employer.id.label("employer_id"),
                Employer.owner_id.label("owner_id"),
                func.row_number().over(partition_by=Employer.owner_id, order_by=(silence, Employer.id)).label("rank"),
                func.count().over(partition_by=Employer.owner_id).label("total"),
            )
            .where(condition, Employer.owner_id.in_(chunk))
            .subquery()
        )
        picked = aliased(Employer)
        rows = db.session.execute(
            select(picked, ranked.c.total)
            .join(ranked, ranked.c.employer_id == picked.id)
            .where(ranked.c.rank <= SECTION_LIMIT)
            .order_by(ranked.c.owner_id, ranked.c.rank)
        ).all()
        for employer, total in rows:
            employers[employer.owner_id].append(employer)
            totals[employer.owner_id] = total
    return employers, totals


def build_digests(users: Sequence[User], *, day: date, now: datetime) -> dict[int, Digest]:
    """The digest of each user for `day`: overdue, due today, and employers due for contact."""
    user_ids = [user.id for user in users]
    digests = {user.id: Digest(user=user, day=day) for user in users}
    followups, followup_totals = _due_followups(user_ids, day)
    contact_employers, contact_totals = _due_contacts(user_ids, now)

    employer_ids = sorted(
        {f.employer_id for f in followups} | {e.id for rows in contact_employers.values() for e in rows}
    )
    notes = _last_notes(employer_ids)
    primaries = _primary_contacts(employer_ids)

    def item(employer: Employer, followup: FollowUp | None) -> DigestItem:
        contact = followup.contact if followup is not None and followup.contact is not None else None
        contact = contact or primaries.get(employer.id)
        phone = (contact.phone or contact.mobile) if contact is not None else None
        note = notes.get(employer.id)
        return DigestItem(
            employer=employer,
            link=employer_link(employer.id),
            followup=followup,
            contact_name=contact.full_name if contact is not None else None,
            phone=phone or employer.phone,
            last_note=_note_text(note),
            last_note_at=note.occurred_at if note is not None else None,
        )

    for followup in followups:
        digest = digests[followup.assigned_to_id]
        (digest.overdue if followup.due_date < day else digest.today).append(item(followup.employer, followup))
    for (user_id, is_overdue), total in followup_totals.items():
        if is_overdue:
            digests[user_id].overdue_total = total
        else:
            digests[user_id].today_total = total
    for owner_id, rows in contact_employers.items():
        digest = digests[owner_id]
        digest.contact_total = contact_totals[owner_id]
        digest.due_for_contact = [item(employer, None) for employer in rows]
    return digests


def _note_text(activity: Activity | None, limit: int = 280) -> str | None:
    if activity is None:
        return None
    text = " – ".join(part.strip() for part in (activity.subject, activity.summary) if part and part.strip())
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str


def render_digest(digest: Digest) -> RenderedDigest:
    """Subject, plain text and HTML in the user's language."""
    with force_locale(digest.user.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        day_label = format_date(digest.day, "full")
        subject = _("Your follow-ups for %(day)s", day=day_label)
        parts = []
        if digest.overdue_total:
            parts.append(ngettext("%(num)d overdue", "%(num)d overdue", digest.overdue_total))
        if digest.today_total:
            parts.append(ngettext("%(num)d due today", "%(num)d due today", digest.today_total))
        if digest.contact_total:
            parts.append(
                ngettext("%(num)d employer due for contact", "%(num)d employers due for contact", digest.contact_total)
            )
        summary = ", ".join(parts)
        dates: dict[date, str] = {}

        def fmt_date(value: date | datetime) -> str:
            # A digest repeats the same few dates many times; Babel formatting is the costly part.
            key = value.date() if isinstance(value, datetime) else value
            if key not in dates:
                dates[key] = format_date(key)
            return dates[key]

        # Translated once per mail, not once per listed item.
        labels = {
            "contact": _("Contact"),
            "phone": _("Phone"),
            "note": _("Note"),
            "last_contact": _("Last contact"),
            "no_contact": _("No contact logged yet."),
            "high": _("high priority"),
            "due_since": _("due since %(date)s"),
            "at": _("at %(time)s"),
        }
        context = {
            "digest": digest,
            "day_label": day_label,
            "summary": summary,
            "L": labels,
            "fmt_date": fmt_date,
            "followups_link": absolute_url("followups.index"),
            "settings_link": absolute_url("auth.profile"),
        }
        text = render_template("emails/digest.txt", **context)
        html = render_template("emails/digest.html", **context)
    return RenderedDigest(subject=f"{subject}: {summary}"[:250], text=text, html=html)
