"""The personal iCalendar feed of open follow-ups, and its secret link.

The database stores only a random key per user; the link carries that key plus an HMAC of it under
SECRET_KEY. A copy of the database alone therefore opens no feed, yet the profile page can show
the link again at any time. Revoking deletes the key; regenerating replaces it (old links die).
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.auth.models import User
from crm.db import utcnow
from crm.extensions import db
from crm.followups.digest import employer_link
from crm.followups.models import FollowUp, FollowUpStatus, Priority, ReminderSettings
from crm.followups.workdays import local_instant

FEED_LIMIT = 2000  # open follow-ups per feed; far more than a person can hold
ICAL_PRIORITY = {Priority.HIGH: 1, Priority.NORMAL: 5, Priority.LOW: 9}


def _mac(key: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"calendar-feed:" + key.encode(), hashlib.sha256).hexdigest()[:32]


def token_for(key: str) -> str:
    """The secret part of the feed URL for a stored key."""
    return f"{key}.{_mac(key)}"


def settings_for_token(token: str) -> ReminderSettings | None:
    """The settings row whose feed this token opens, or None (unknown, revoked or forged)."""
    key, _sep, mac = token.partition(".")
    if not key or not mac or len(token) > 200:
        return None
    settings = db.session.scalar(
        select(ReminderSettings).where(ReminderSettings.calendar_key == key).options(joinedload(ReminderSettings.user))
    )
    if settings is None or not hmac.compare_digest(mac, _mac(key)):
        return None
    return settings


def get_or_create_settings(user: User) -> ReminderSettings:
    settings = db.session.scalar(select(ReminderSettings).where(ReminderSettings.user_id == user.id))
    if settings is None:
        settings = ReminderSettings(user=user)
        db.session.add(settings)
        db.session.flush()
    return settings


def regenerate_calendar_key(*, user: User) -> ReminderSettings:
    """Give the user a new feed link; any earlier link stops working."""
    settings = get_or_create_settings(user)
    settings.calendar_key = secrets.token_urlsafe(24)
    settings.calendar_created_at = utcnow()
    db.session.flush()
    return settings


def revoke_calendar_key(*, user: User) -> ReminderSettings:
    """Switch the feed off; the link stops working."""
    settings = get_or_create_settings(user)
    settings.calendar_key = None
    settings.calendar_created_at = None
    db.session.flush()
    return settings


def feed_followups(user_id: int) -> list[FollowUp]:
    return list(
        db.session.scalars(
            select(FollowUp)
            .where(FollowUp.assigned_to_id == user_id, FollowUp.status == FollowUpStatus.OPEN)
            .options(joinedload(FollowUp.employer), joinedload(FollowUp.contact))
            .order_by(FollowUp.due_date, FollowUp.id)
            .limit(FEED_LIMIT)
        )
    )


def build_feed(user: User, followups: list[FollowUp], *, now: datetime | None = None) -> bytes:
    """The VCALENDAR with one event per open follow-up: all-day, or 30 minutes at its time (UTC)."""
    now = now or utcnow()
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    with force_locale(user.language or "de"):
        name = _("Follow-ups – %(name)s", name=user.name)
        calendar = Calendar()
        calendar.add("prodid", "-//Inklusiv-CRM//Follow-ups//DE")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", "Europe/Berlin")
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
        for followup in followups:
            calendar.add_component(_event(followup, host=host, now=now))
    return calendar.to_ical()


def _event(followup: FollowUp, *, host: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", f"followup-{followup.id}@{host}")
    event.add("dtstamp", now)
    event.add("last-modified", followup.updated_at)
    event.add("sequence", max(0, (followup.version or 1) - 1))
    event.add("summary", f"{followup.title} – {followup.employer.name}")
    if followup.due_time is None:
        event.add("dtstart", followup.due_date)
        event.add("dtend", followup.due_date + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    else:
        # UTC needs no VTIMEZONE block and every client shows it in its own zone.
        event.add("dtstart", local_instant(followup.due_date, followup.due_time))
        event.add("duration", timedelta(minutes=30))
    link = employer_link(followup.employer_id)
    lines = [followup.employer.name]
    if followup.contact is not None:
        phone = followup.contact.phone or followup.contact.mobile
        lines.append(followup.contact.full_name + (f", {phone}" if phone else ""))
    elif followup.employer.phone:
        lines.append(followup.employer.phone)
    if followup.note:
        lines.append(followup.note)
    lines.append(link)
    event.add("description", "\n".join(lines))
    event.add("url", link)
    event.add("priority", ICAL_PRIORITY[followup.priority])
    event.add("class", "PRIVATE")
    event.add("categories", [_("Follow-up")])
    return event
