"""Login, password and profile forms."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from crm.forms import BaseForm, email_validator

LANGUAGE_CHOICES = [("de", "Deutsch"), ("en", "English")]


class LoginForm(BaseForm):
    email = EmailField(
        _l("E-mail address"),
        # No address is longer (users.email, login_attempts.email are VARCHAR(254); PostgreSQL refuses more).
        validators=[DataRequired(_l("Please enter your e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Please enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )


class ForgotPasswordForm(BaseForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Please enter your e-mail address.")), email_validator()],
        render_kw={"autocomplete": "username"},
    )


class NewPasswordMixin:
    new_password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Please enter a new password.")),
            Length(min=12, message=_l("The password must be at least %(min)d characters long.")),
        ],
        description=_l("At least 12 characters. A sentence you can remember works well."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("Repeat new password"),
        validators=[
            DataRequired(_l("Please repeat the new password.")),
            EqualTo("new_password", message=_l("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ResetPasswordForm(NewPasswordMixin, BaseForm):
    pass


class ChangePasswordForm(NewPasswordMixin, BaseForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Please enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )


class ProfileForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter your name.")), Length(max=120)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class TwoFactorCodeForm(BaseForm):
    """The login's second step: a code from the app or a recovery code."""

    code = StringField(
        _l("Security code"),
        validators=[DataRequired(_l("Please enter the code from your authenticator app.")), Length(max=40)],
        description=_l("The 6-digit code from your authenticator app, or one of your recovery codes."),
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"},
    )


class TwoFactorSetupForm(BaseForm):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(_l("Please enter the 6-digit code your app shows.")), Length(max=40)],
        description=_l("After scanning, the app shows a 6-digit code that changes every 30 seconds."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class TwoFactorDisableForm(BaseForm):
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Please enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        _l("Security code"),
        validators=[DataRequired(_l("Please enter the code from your authenticator app.")), Length(max=40)],
        description=_l("The current code from your app, or a recovery code."),
        render_kw={"autocomplete": "one-time-code"},
    )


class RecoveryCodesForm(BaseForm):
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Please enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
