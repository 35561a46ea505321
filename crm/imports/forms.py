"""Import forms: the upload, and the column mapping built from the file's headings."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectField
from wtforms.validators import Optional

from crm.forms import BaseForm
from crm.imports.fields import FIELDS


class UploadForm(BaseForm):
    file = FileField(_l("File (CSV or Excel)"))


class ConfirmForm(BaseForm):
    """Only the CSRF token; the per-row decisions are read from the request by name."""


def mapping_form_class(headers: list[str], samples: list[str]) -> type[BaseForm]:
    """A form with one select per import field, offering the file's columns."""
    choices = [("", str(_l("— do not import —")))] + [
        (str(i), f"{h or _l('Column %(n)d', n=i + 1)}" + (f" (z. B. {samples[i]})" if samples[i] else ""))
        for i, h in enumerate(headers)
    ]
    attrs = {
        field.key: SelectField(field.label, choices=choices, validators=[Optional()], default="") for field in FIELDS
    }
    return type("MappingForm", (BaseForm,), attrs)
