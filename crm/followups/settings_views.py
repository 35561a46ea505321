"""The profile page's reminder part: the morning e-mail's time, and the personal calendar feed (iCal)."""

from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.followups import bp
from crm.followups.forms import DigestSettingsForm
from crm.followups.ical import (
    build_feed,
    feed_followups,
    get_or_create_settings,
    regenerate_calendar_key,
    revoke_calendar_key,
    settings_for_token,
    token_for,
)
from crm.followups.models import DEFAULT_DIGEST_TIME, ReminderSettings


def _settings_row(user: User) -> ReminderSettings | None:
    return db.session.scalar(select(ReminderSettings).where(ReminderSettings.user_id == user.id))


@bp.app_template_global("followup_profile")
def followup_profile() -> dict[str, Any]:
    """What the profile page shows of the reminders: the digest form and the calendar link."""
    form = g.get("digest_settings_form")
    settings = _settings_row(current_user)
    if form is None:
        form = DigestSettingsForm(
            formdata=None,
            data={
                "digest_enabled": settings.digest_enabled if settings else True,
                "digest_time": settings.digest_time if settings else DEFAULT_DIGEST_TIME,
            },
        )
    feed_url = None
    if settings is not None and settings.calendar_key:
        feed_url = url_for("followups.calendar_feed", token=token_for(settings.calendar_key), _external=True)
    return {"form": form, "settings": settings, "feed_url": feed_url}


def _profile_page(status: int):
    from crm.auth.forms import ChangePasswordForm, ProfileForm

    form = ProfileForm(obj=current_user, formdata=None)
    password_form = ChangePasswordForm(prefix="pw", formdata=None)
    return render_template("auth/profile.html", form=form, password_form=password_form), status


@bp.post("/settings")
def save_settings():
    form = DigestSettingsForm()
    if not form.validate():
        g.digest_settings_form = form
        return _profile_page(422)
    settings = get_or_create_settings(current_user)
    settings.digest_enabled = form.digest_enabled.data
    settings.digest_time = form.digest_time.data.replace(second=0, microsecond=0)
    db.session.commit()
    if settings.digest_enabled:
        flash(
            _(
                "You will get the follow-up e-mail on working days at %(time)s.",
                time=settings.digest_time.strftime("%H:%M"),
            ),
            "success",
        )
    else:
        flash(_("The follow-up e-mail is switched off."), "success")
    return redirect(url_for("auth.profile", _anchor="reminders"))


@bp.post("/calendar/regenerate")
def regenerate_calendar():
    existed = (row := _settings_row(current_user)) is not None and row.calendar_key is not None
    regenerate_calendar_key(user=current_user)
    db.session.commit()
    flash(
        _("A new calendar link has been created. The old link no longer works.")
        if existed
        else _("Your calendar link has been created."),
        "success",
    )
    return redirect(url_for("auth.profile", _anchor="calendar"))


@bp.post("/calendar/revoke")
def revoke_calendar():
    revoke_calendar_key(user=current_user)
    db.session.commit()
    flash(_("The calendar link has been revoked. Calendars subscribed to it no longer update."), "success")
    return redirect(url_for("auth.profile", _anchor="calendar"))


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """The public feed: the secret token is the only key, so it must be unguessable and revocable."""
    settings = settings_for_token(token)
    if settings is None or not settings.user.active:
        abort(404)
    body = build_feed(settings.user, feed_followups(settings.user_id))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="wiedervorlagen.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
