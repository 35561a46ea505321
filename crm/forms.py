"""Shared form pieces: text cleaning every form field gets, and common validators."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import Email


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

    @property
    def all_errors(self) -> dict[str, list[str]]:
        return self.errors


def email_validator(message: Any = None) -> Email:
    return Email(
        message=message or _l("Please enter a valid e-mail address, e.g. name@firma.de."), check_deliverability=False
    )
