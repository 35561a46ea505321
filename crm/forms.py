"""Shared form pieces: text cleaning every form field gets, and common validators."""

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, Form
from wtforms.validators import Email, ValidationError

from crm.domain import DomainError


def show_error(form: Form, error: DomainError, default_field: str | None = None) -> None:
    """Show a service's error at the form field it names; else at `default_field`, else above the form."""
    name = error.field if error.field and error.field in form else default_field
    if name is None:
        form.form_errors.append(str(error.message))
    else:
        form[name].errors = [*form[name].errors, str(error.message)]


def clean_text(value: Any) -> Any:
    """Strip surrounding blanks and NUL bytes (PostgreSQL rejects NUL in text)."""
    if isinstance(value, str):
        return value.replace("\x00", "").strip()
    return value


class BaseForm(FlaskForm):
    """Every form: CSRF from Flask-WTF, and cleaned text in every field."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict) -> Any:
            filters = list(unbound_field.kwargs.get("filters", []))
            filters.append(clean_text)
            return unbound_field.bind(form=form, filters=filters, **options)

    def validate(self, extra_validators: Any = None) -> bool:
        """Refuse whole numbers beyond a database integer before the validators see them.

        Such a number would fail in the database, and WTForms' NumberRange cannot even compare one
        with 310 digits (math.isnan() overflows): both were a 500.
        """
        for field in self:
            if isinstance(field.data, int) and not isinstance(field.data, bool) and abs(field.data) > MAX_ID:
                field.data = None
                field.process_errors.append(_l("This number is out of range."))
        return super().validate(extra_validators)

    @property
    def all_errors(self) -> dict[str, list[str]]:
        return self.errors


def email_validator(message: Any = None) -> Email:
    return Email(
        message=message or _l("Please enter a valid e-mail address, e.g. name@firma.de."), check_deliverability=False
    )


# Digits with the separators people type (040 123456-12, +49 (0)40 123456, 0171/1234567).
PHONE_CHARACTERS = re.compile(r"^[0-9 +/\-()]+$")
PHONE_MIN_DIGITS = 6


class PhoneNumber:
    """Lenient but plausible phone number: the usual separators, at least six digits, no letters."""

    def __init__(self, message: Any = None) -> None:
        self.message = message or _l("Please enter a phone number with at least 6 digits, e.g. 040 123456-0.")

    def __call__(self, form: Form, field: Field) -> None:
        value = field.data or ""
        if not value:
            return
        digits = sum(ch.isdigit() for ch in value)
        if not PHONE_CHARACTERS.match(value) or digits < PHONE_MIN_DIGITS:
            raise ValidationError(self.message)


def phone_validator(message: Any = None) -> PhoneNumber:
    return PhoneNumber(message)


def form_status(*forms: FlaskForm) -> int:
    """HTTP status for a page that shows forms: 422 when one of them has errors, else 200."""
    return 422 if any(form.errors for form in forms) else 200


MAX_ID = 2**31 - 1


def int_or_none(value: object, *, maximum: int = MAX_ID) -> int | None:
    """Parse a query or form argument as a positive whole number, else None.

    Not plain `str.isdigit()`: it accepts "²" (int() then fails) and numbers larger than any
    database integer (SQLite and PostgreSQL then fail) — both would be a 500 for a typo in a URL.
    Longer than the maximum is refused before int(), which raises beyond 4300 digits.
    """
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(maximum)):
        return None
    number = int(digits)
    return number if number <= maximum else None
