"""Login, logout, password reset and the user's own profile."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from crm.auth import bp
from crm.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, ProfileForm, ResetPasswordForm
from crm.auth.mails import queue_password_reset_mail
from crm.auth.services import (
    AccountError,
    authenticate,
    change_password,
    end_all_sessions,
    get_user_by_email,
    reset_password,
    user_for_reset_token,
)
from crm.extensions import db
from crm.forms import form_status
from crm.security import is_safe_next


def start_session(user) -> None:
    """A fresh session at login: nothing from before the login survives (no session fixation)."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    session.permanent = True
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        result = authenticate(
            email=form.email.data, password=form.password.data, address=request.remote_addr or "unknown"
        )
        db.session.commit()
        if result.throttled:
            minutes = current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"]
            form.form_errors.append(
                _("Too many failed attempts. Please wait %(minutes)d minutes and try again.", minutes=minutes)
            )
        elif result.user is None:
            form.form_errors.append(_("E-mail address or password is not correct, or the account is inactive."))
        else:
            start_session(result.user)
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("main.dashboard"))
    return render_template("auth/login.html", form=form), form_status(form)


@bp.post("/logout")
def logout():
    """End this session and every other session of the user."""
    end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have been logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = get_user_by_email(form.email.data)
        if user is not None and user.active:
            queue_password_reset_mail(user)
            db.session.commit()
        # The same answer whether or not the address exists.
        flash(
            _(
                "If the address belongs to an account, we have sent a link to reset the password. "
                "It is valid for one hour."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), form_status(form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"], endpoint="reset_password")
def reset_password_view(token: str):
    user = user_for_reset_token(token)
    if user is None:
        flash(_("This link is invalid, expired or was used already. Please request a new one."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password(user=user, new_password=form.new_password.data)
        except AccountError as error:
            form.new_password.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Your password has been changed. Please log in."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), form_status(form)


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    form = ProfileForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        current_user.name = form.name.data
        current_user.language = form.language.data
        session["language"] = form.language.data
        db.session.commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, password_form=password_form), form_status(form)


@bp.post("/profile/password")
def change_password_view():
    form = ProfileForm(obj=current_user, formdata=None)
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        try:
            change_password(
                user=current_user,
                current_password=password_form.current_password.data,
                new_password=password_form.new_password.data,
            )
        except AccountError as error:
            getattr(password_form, error.field or "new_password").errors.append(error.message)
        else:
            db.session.commit()
            start_session(current_user._get_current_object())
            flash(_("Your password has been changed. Other sessions have been logged out."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, password_form=password_form), 422
