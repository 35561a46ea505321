"""Login (with the two-factor step), logout, password reset and the user's own profile."""

import hashlib
import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from crm.auth import bp
from crm.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RecoveryCodesForm,
    ResetPasswordForm,
    TwoFactorCodeForm,
    TwoFactorDisableForm,
    TwoFactorSetupForm,
)
from crm.auth.mails import queue_password_reset_mail
from crm.auth.models import User
from crm.auth.services import (
    AccountError,
    authenticate,
    change_password,
    end_all_sessions,
    get_user_by_email,
    reset_password,
    user_for_reset_token,
)
from crm.auth.two_factor import (
    SecondFactor,
    begin_enrolment,
    complete_second_factor,
    confirm_enrolment,
    disable_two_factor,
    format_secret,
    needs_enrolment,
    provisioning_uri,
    qr_code_data_uri,
    regenerate_recovery_codes,
    remaining_recovery_codes,
)
from crm.extensions import db
from crm.forms import form_status, show_error
from crm.security import LOGIN_TIME_KEY, safe_next
from crm.security_events.models import SecurityEventKind
from crm.security_events.services import record_security_event

# The login's pending second step lives this long; the user is not logged in meanwhile.
PENDING_SECOND_FACTOR_SECONDS = 300
PENDING_KEYS = ("tfa_uid", "tfa_fp", "tfa_at", "tfa_next")


def start_session(user) -> None:
    """A fresh session at login: nothing from before the login survives (no session fixation)."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    session.permanent = True
    session[LOGIN_TIME_KEY] = int(time.time())
    login_user(user)


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _after_login(next_target: str | None):
    """Where a fresh session goes: an admin who must set up two-factor login first goes there."""
    if needs_enrolment(current_user):
        if next_target:
            session["enrol_next"] = next_target
        return redirect(url_for("auth.two_factor_setup"))
    return redirect(next_target or url_for("main.dashboard"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        result = authenticate(email=form.email.data, password=form.password.data, address=_client_address())
        if result.throttled:
            record_security_event(kind=SecurityEventKind.LOGIN_THROTTLED, detail=f"e-mail: {form.email.data}")
        elif result.user is None:
            record_security_event(kind=SecurityEventKind.LOGIN_FAILED, detail=f"e-mail: {form.email.data}")
        elif not result.needs_second_factor:
            record_security_event(kind=SecurityEventKind.LOGIN_SUCCEEDED, user=result.user, detail="password")
        db.session.commit()
        if result.throttled:
            minutes = current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"]
            form.form_errors.append(
                _("Too many failed attempts. Please wait %(minutes)d minutes and try again.", minutes=minutes)
            )
        elif result.user is None:
            form.form_errors.append(_("E-mail address or password is not correct, or the account is inactive."))
        elif result.needs_second_factor:
            _begin_second_factor(result.user, safe_next("") or None)
            return redirect(url_for("auth.login_two_factor"))
        else:
            start_session(result.user)
            return _after_login(safe_next("") or None)
    return render_template("auth/login.html", form=form), form_status(form)


def _fingerprint(user: User) -> str:
    """Ties the pending step to the user's current session token (a logout or new password ends it)."""
    return hashlib.sha256(user.session_token.encode("utf-8")).hexdigest()[:32]


def _begin_second_factor(user: User, next_target: str | None) -> None:
    """Remember in a fresh session that the password was right; this does not log the user in."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    session.update(tfa_uid=user.id, tfa_fp=_fingerprint(user), tfa_at=int(time.time()), tfa_next=next_target)


def _end_second_factor() -> None:
    for key in PENDING_KEYS:
        session.pop(key, None)


def _pending_user() -> User | None:
    """The user whose password was right within the last minutes, still with the same session token."""
    user_id, started = session.get("tfa_uid"), session.get("tfa_at")
    if not isinstance(user_id, int) or not isinstance(started, int):
        return None
    if time.time() - started > PENDING_SECOND_FACTOR_SECONDS:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.two_factor_enabled or session.get("tfa_fp") != _fingerprint(user):
        return None
    return user


@bp.route("/login/two-factor", methods=["GET", "POST"])
def login_two_factor():
    """The login's second step: a code from the authenticator app or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    user = _pending_user()
    if user is None:
        _end_second_factor()
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        result = complete_second_factor(user=user, code=form.code.data, address=_client_address())
        if result.throttled:
            record_security_event(kind=SecurityEventKind.LOGIN_THROTTLED, user=user, detail="second factor")
        elif result.method is None:
            record_security_event(kind=SecurityEventKind.TWO_FACTOR_FAILED, user=user, detail="login")
        else:
            record_security_event(
                kind=SecurityEventKind.LOGIN_SUCCEEDED, user=user, detail=f"password and {result.method}"
            )
        remaining = None
        if result.method == SecondFactor.RECOVERY_CODE:
            remaining = remaining_recovery_codes(user)
            record_security_event(
                kind=SecurityEventKind.RECOVERY_CODE_USED, user=user, detail=f"{remaining} recovery codes left"
            )
        db.session.commit()
        if result.throttled:
            _end_second_factor()
            minutes = current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"]
            flash(
                _("Too many failed attempts. Please wait %(minutes)d minutes and try again.", minutes=minutes), "error"
            )
            return redirect(url_for("auth.login"))
        if result.method is None:
            form.code.errors.append(_("The code is not correct or was used already."))
        else:
            next_target = safe_next("", target=session.get("tfa_next")) or None
            start_session(user)
            if remaining is not None:
                flash(
                    _(
                        "You logged in with a recovery code; %(count)d codes are left. "
                        "Create new ones in your profile if you are running out.",
                        count=remaining,
                    ),
                    "warning",
                )
            return redirect(next_target or url_for("main.dashboard"))
    return render_template("auth/two_factor_login.html", form=form), form_status(form)


@bp.post("/logout")
def logout():
    """End this session and every other session of the user."""
    record_security_event(kind=SecurityEventKind.LOGOUT, user=current_user)
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
            record_security_event(kind=SecurityEventKind.PASSWORD_RESET, user=user, detail="reset link")
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
            show_error(password_form, error, default_field="new_password")
        else:
            record_security_event(kind=SecurityEventKind.PASSWORD_CHANGED, user=current_user, detail="profile")
            db.session.commit()
            start_session(current_user._get_current_object())
            flash(_("Your password has been changed. Other sessions have been logged out."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, password_form=password_form), 422


# --- two-factor login on the profile ------------------------------------------------------------


def _two_factor_page(disable_form=None, codes_form=None, status: int = 200):
    user = current_user._get_current_object()
    return (
        render_template(
            "auth/two_factor.html",
            disable_form=disable_form or TwoFactorDisableForm(prefix="off", formdata=None),
            codes_form=codes_form or RecoveryCodesForm(prefix="rc", formdata=None),
            remaining=remaining_recovery_codes(user) if user.two_factor_enabled else 0,
        ),
        status,
    )


@bp.get("/profile/two-factor")
def two_factor():
    return _two_factor_page()


@bp.route("/profile/two-factor/setup", methods=["GET", "POST"])
def two_factor_setup():
    """Show a new secret and its QR code; a matching code turns two-factor login on."""
    user = current_user._get_current_object()
    if user.two_factor_enabled:
        flash(_("Two-factor login is already turned on."), "info")
        return redirect(url_for("auth.two_factor"))
    secret = begin_enrolment(user=user)
    db.session.commit()
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        try:
            codes = confirm_enrolment(user=user, code=form.code.data)
        except AccountError as error:
            form.code.errors.append(error.message)
        else:
            record_security_event(kind=SecurityEventKind.TWO_FACTOR_ENABLED, user=user)
            db.session.commit()
            next_target = safe_next("", target=session.get("enrol_next")) or None
            # Confirming renewed the session token (other sessions end); this one goes on.
            start_session(user)
            flash(_("Two-factor login is turned on."), "success")
            return render_template(
                "auth/recovery_codes.html", codes=codes, continue_url=next_target or url_for("auth.two_factor")
            )
    uri = provisioning_uri(user=user, secret=secret)
    return (
        render_template(
            "auth/two_factor_setup.html",
            form=form,
            secret=format_secret(secret),
            qr_code=qr_code_data_uri(uri),
            forced=needs_enrolment(user),
        ),
        form_status(form),
    )


@bp.post("/profile/two-factor/disable")
def two_factor_disable():
    user = current_user._get_current_object()
    form = TwoFactorDisableForm(prefix="off")
    if form.validate_on_submit():
        try:
            method = disable_two_factor(
                user=user, password=form.password.data, code=form.code.data, address=_client_address()
            )
        except AccountError as error:
            show_error(form, error, default_field="code")
            if error.field == "code":
                record_security_event(kind=SecurityEventKind.TWO_FACTOR_FAILED, user=user, detail="turning off")
            db.session.commit()  # the failure counts toward the login throttling
        else:
            record_security_event(
                kind=SecurityEventKind.TWO_FACTOR_DISABLED, user=user, detail=f"confirmed by {method}"
            )
            db.session.commit()
            start_session(user)
            flash(_("Two-factor login is turned off. Other sessions have been logged out."), "success")
            return redirect(url_for("auth.two_factor"))
    return _two_factor_page(disable_form=form, status=422)


@bp.post("/profile/two-factor/recovery-codes")
def two_factor_recovery_codes():
    user = current_user._get_current_object()
    form = RecoveryCodesForm(prefix="rc")
    if form.validate_on_submit():
        try:
            codes = regenerate_recovery_codes(user=user, password=form.password.data, address=_client_address())
        except AccountError as error:
            form.password.errors.append(error.message)
            db.session.commit()  # the failure counts toward the login throttling
        else:
            record_security_event(kind=SecurityEventKind.RECOVERY_CODES_RENEWED, user=user)
            db.session.commit()
            flash(_("New recovery codes have been created; the old ones no longer work."), "success")
            return render_template("auth/recovery_codes.html", codes=codes, continue_url=url_for("auth.two_factor"))
    return _two_factor_page(codes_form=form, status=422)
