"""The page where a user creates and revokes personal API tokens (linked from the profile)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.api import bp
from crm.api.forms import TokenForm
from crm.api.models import ApiToken, TokenScope
from crm.api.tokens import TokenError, create_token, revoke_token, user_tokens
from crm.extensions import db
from crm.forms import BaseForm
from crm.security_events.models import SecurityEventKind
from crm.security_events.services import record_security_event


@bp.route("/tokens", methods=["GET", "POST"])
def tokens():
    form = TokenForm()
    secret = None
    status = 200
    if form.validate_on_submit():
        try:
            token, secret = create_token(user=current_user, name=form.name.data, scope=TokenScope(form.scope.data))
            record_security_event(
                kind=SecurityEventKind.API_TOKEN_CREATED,
                user=current_user,
                detail=f"token #{token.id} “{token.name}”, scope {token.scope}",
            )
            db.session.commit()
        except TokenError as error:
            db.session.rollback()
            form.name.errors.append(error.message)
        else:
            form = TokenForm(formdata=None)
            flash(
                _("The token “%(name)s” was created. Copy it now: it is shown only once.", name=token.name), "success"
            )
    if form.errors:
        status = 422
    return render_template("api/tokens.html", form=form, tokens=user_tokens(current_user), secret=secret), status


@bp.post("/tokens/<int:token_id>/revoke")
def revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    if not BaseForm().validate_on_submit():
        abort(400)
    if token.revoked_at is None:
        revoke_token(token=token)
        record_security_event(
            kind=SecurityEventKind.API_TOKEN_REVOKED, user=current_user, detail=f"token #{token.id} “{token.name}”"
        )
    db.session.commit()
    flash(_("The token “%(name)s” was revoked; programs using it no longer have access.", name=token.name), "success")
    return redirect(url_for("api.tokens"))
