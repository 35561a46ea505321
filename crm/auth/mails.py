"""Account e-mails, queued in the outbox."""

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from crm.auth.models import User
from crm.auth.services import make_reset_token
from crm.db import utcnow
from crm.mail import absolute_url, enqueue_mail

RESET_MAIL_WINDOW_SECONDS = 15 * 60


def queue_password_reset_mail(user: User) -> None:
    """Queue the reset link in the user's language."""
    link = absolute_url("auth.reset_password", token=make_reset_token(user))
    with force_locale(user.language):
        subject = _("Reset your Inklusiv-CRM password")
        text = render_template("emails/password_reset.txt", user=user, link=link)
        html = render_template("emails/password_reset.html", user=user, link=link)
    # At most one reset mail per user and quarter hour: repeated requests cannot flood a mailbox.
    window = int(utcnow().timestamp() // RESET_MAIL_WINDOW_SECONDS)
    enqueue_mail(
        dedupe_key=f"password-reset:{user.id}:{window}",
        kind="password_reset",
        recipient=user.email,
        subject=subject,
        body_text=text,
        body_html=html,
        user_id=user.id,
    )
