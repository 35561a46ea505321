"""The reports' filter (period and site, read from the URL) and the quota settings form."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from crm.forms import MAX_ID, BaseForm, int_or_none
from crm.reports.queries import Period

MAX_SPAN_DAYS = 3660  # ten years: the charts stay readable and the month list bounded


class GermanDateField(DateField):
    """A date field whose parse error is a German sentence with an example."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not valuelist[0]:
            self.data = None
            return
        try:
            self.data = date.fromisoformat(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(_l("Please enter a date like 2026-03-31.")) from None


class GermanIntegerField(IntegerField):
    """A whole number; a typed word gets a German message instead of WTForms' English one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip().replace(".", "")  # "1.200" as Germans write a thousand
        if not (text.isascii() and text.isdigit()):  # "²" is a digit to isdigit(), not to int()
            self.data = None
            raise ValueError(_l("Please enter a whole number, e.g. 420."))
        if len(text.lstrip("0")) > len(str(MAX_ID)):  # int() refuses 4300 digits, with an English message
            self.data = None
            raise ValueError(_l("This number is out of range."))
        self.data = int(text)


class GermanDecimalField(DecimalField):
    """A number with a decimal comma or point (34,5 or 34.5); a text input, as number inputs refuse the comma."""

    widget = TextInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(*args, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:f}".replace(".", ",")

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = Decimal(valuelist[0].strip().replace(",", "."))
        except InvalidOperation:
            self.data = None
            raise ValueError(_l("Please enter a number, e.g. 34,5.")) from None
        if not self.data.is_finite():
            self.data = None
            raise ValueError(_l("Please enter a number, e.g. 34,5."))


def default_start(today: date) -> date:
    """The first day of the month eleven months back: the last twelve months including this one."""
    month = today.month - 11
    year = today.year
    if month < 1:
        month, year = month + 12, year - 1
    return date(year, month, 1)


class SiteSelect(SelectField):
    """The site filter; an unknown site (an old bookmark) gets a plain message and is not applied."""

    def pre_validate(self, form: Any) -> None:
        if self.data not in {value for value, _label in self.choices}:
            raise ValidationError(_l("This option does not exist (any more). The filter is not applied."))


class ReportFilterForm(BaseForm):
    """Period and site; a GET form (no CSRF token), so a filtered report is a shareable link."""

    class Meta:
        csrf = False

    start = GermanDateField(_l("From"), id="report-start", validators=[Optional()])
    end = GermanDateField(_l("To"), id="report-end", validators=[Optional()])
    site = SiteSelect(_l("Site"), id="report-site", default="")

    def validate_end(self, field: DateField) -> None:
        if field.data and self.start.data:
            if field.data < self.start.data:
                raise ValidationError(_l("The end must not be before the start."))
            if (field.data - self.start.data).days > MAX_SPAN_DAYS:
                raise ValidationError(_l("Please choose a period of at most ten years."))

    def to_period(self, today: date) -> Period:
        """The valid part of the input; a field with an error falls back to its default."""
        valid = not self.end.errors
        start = self.start.data if valid and self.start.data and not self.start.errors else default_start(today)
        end = self.end.data if valid and self.end.data else today
        if end < start:
            start, end = default_start(today), today
        site = self.site.data if not self.site.errors else ""
        return Period(start=start, end=end, site_id=int_or_none(site))


class QuotaSettingsForm(BaseForm):
    """Workforce size, the optional count from the workshop's records, the baseline and the goal."""

    workforce_size = GermanIntegerField(
        _l("Workshop employees in total"),
        validators=[
            InputRequired(_l("Please enter the number of workshop employees, e.g. 420.")),
            NumberRange(min=1, max=100000, message=_l("Please enter a number between 1 and 100,000, e.g. 420.")),
        ],
        description=_l("All employees of the workshop (the quota's denominator)."),
    )
    outside_count = GermanIntegerField(
        _l("Working outside according to your records"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100000, message=_l("Please enter a number of people of 0 or more, e.g. 143.")),
        ],
        description=_l(
            "Leave empty to count the running placements on outsourced workplaces and outdoor work groups in the CRM."
        ),
    )
    baseline_percent = GermanDecimalField(
        _l("Quota at the start (%)"),
        places=1,
        validators=[
            InputRequired(_l("Please enter the quota at the start in percent, e.g. 34.")),
            NumberRange(min=0, max=100, message=_l("Please enter a percentage between 0 and 100, e.g. 34.")),
        ],
    )
    baseline_date = GermanDateField(
        _l("Measured on"), validators=[InputRequired(_l("Please enter the day the starting quota was measured."))]
    )
    goal_percent = GermanDecimalField(
        _l("Goal (%)"),
        places=1,
        validators=[
            InputRequired(_l("Please enter the goal in percent, e.g. 40.")),
            NumberRange(min=0, max=100, message=_l("Please enter a percentage between 0 and 100, e.g. 40.")),
        ],
    )
    goal_year = GermanIntegerField(
        _l("Goal to be reached by the end of"),
        validators=[
            InputRequired(_l("Please enter the year of the goal, e.g. 2027.")),
            NumberRange(min=2000, max=2100, message=_l("Please enter a year between 2000 and 2100, e.g. 2027.")),
        ],
    )

    def validate_outside_count(self, field: IntegerField) -> None:
        if field.data is not None and self.workforce_size.data and field.data > self.workforce_size.data:
            raise ValidationError(_l("This cannot be more than the workshop employees in total."))

    def validate_goal_year(self, field: IntegerField) -> None:
        if field.data and self.baseline_date.data and field.data < self.baseline_date.data.year:
            raise ValidationError(_l("The goal year must not be before the start."))
