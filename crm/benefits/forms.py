"""Forms: the calculator's inputs (GET, no CSRF: it changes nothing) and the legal-fact editor (admin)."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from crm.forms import BaseForm

MAX_WORKPLACES = 1_000_000
MAX_EUROS = 100_000_000


class GermanDecimalField(DecimalField):
    """Accepts "2,5" and "12.000,50" as German users type them, besides "2.5"."""

    def process_formdata(self, valuelist) -> None:
        if valuelist and "," in (valuelist[0] or ""):
            valuelist = [valuelist[0].replace(".", "").replace(" ", "").replace(",", ".")]
        super().process_formdata(valuelist)


def at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("Please use at most %(max)d characters."))


class CalculatorForm(BaseForm):
    class Meta:
        csrf = False

    workplaces = IntegerField(
        _l("Workplaces (annual average)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_WORKPLACES, message=_l("Please enter a whole number of 0 or more, e.g. 85.")),
        ],
        description=_l("Workplaces that count for the employment quota (SGB IX § 156)."),
    )
    employed = GermanDecimalField(
        _l("Of these, held by severely disabled people"),
        places=None,
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_WORKPLACES, message=_l("Please enter a number of 0 or more, e.g. 2 or 2,5.")),
        ],
        description=_l("Annual average; halves are possible."),
    )
    order_labour = GermanDecimalField(
        _l("Labour share of workshop orders per year (€)"),
        places=None,
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_EUROS, message=_l("Please enter an amount of 0 or more, e.g. 12000.")),
        ],
        description=_l("The invoiced amount without material, e.g. for packaging, catering or gardening."),
    )
    wage_cost = GermanDecimalField(
        _l("Monthly wage cost of a job (€)"),
        places=None,
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_EUROS, message=_l("Please enter an amount of 0 or more, e.g. 2400.")),
        ],
        description=_l("Gross wage plus the employer's social-security share, for the Budget für Arbeit example."),
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            # An unreadable number gets WTForms' parse error and the range message; one message is enough.
            if len(field.errors) > 1:
                field.errors = field.errors[-1:]
        if self.workplaces.raw_data in (None, [], [""]) and self.employed.data is not None:
            self.workplaces.errors = [_l("Please enter the number of workplaces as well.")]
            valid = False
        return valid

    def validate_employed(self, field) -> None:
        if field.data is not None and self.workplaces.data is not None and field.data > self.workplaces.data:
            raise ValidationError(_l("There cannot be more than the number of workplaces."))
        if field.data is not None and (field.data * 2) % 1:
            raise ValidationError(_l("Please enter whole or half numbers, e.g. 2 or 2,5."))


UNIT_CHOICES = [("", _l("— none (a fact in words) —")), ("EUR", _l("euros")), ("%", _l("percent"))]


class LegalFactForm(BaseForm):
    key = StringField(
        _l("Key"),
        validators=[
            DataRequired(_l("Please enter a key.")),
            at_most(60),
            Regexp(r"^[a-z0-9_]+$", message=_l("Please use lower-case letters, digits and _ only.")),
        ],
        description=_l(
            "The calculator finds the figure by this key. A new figure for the same key supersedes the old one from its date."
        ),
    )
    label = StringField(_l("Description"), validators=[DataRequired(_l("Please enter a description.")), at_most(200)])
    amount = GermanDecimalField(
        _l("Figure"),
        places=2,
        validators=[Optional(), NumberRange(min=0, max=MAX_EUROS, message=_l("Please enter a figure of 0 or more."))],
    )
    unit = SelectField(_l("Unit"), choices=UNIT_CHOICES, validators=[Optional()])
    text = TextAreaField(_l("In words"), validators=[Optional(), at_most(2000)], render_kw={"rows": 2})
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    source = StringField(
        _l("Source"), validators=[Optional(), at_most(300)], description=_l("Law, paragraph or announcement.")
    )
    reviewed = BooleanField(_l("Checked against the source"))
