"""Account e-mails, queued in the outbox."""

import secrets

from flask import render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from crm.auth.models import User
from crm.auth.services import make_reset_token
from crm.mail import enqueue_mail


def queue_password_reset_mail(user: User) -> None:
    """Queue the reset link in the user's language."""
    link = url_for("auth.reset_password", token=make_reset_token(user), _external=True)
    with force_locale(user.language):
        subject = _("Reset your Inklusiv-CRM password")
        text = render_template("emails/password_reset.txt", user=user, link=link)
        html = render_template("emails/password_reset.html", user=user, link=link)
    enqueue_mail(
        dedupe_key=f"password-reset:{user.id}:{secrets.token_hex(8)}",
        kind="password_reset",
        recipient=user.email,
        subject=subject,
        body_text=text,
        body_html=html,
        user_id=user.id,
    )
