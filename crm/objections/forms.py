"""Forms: catalogue entries, recording an objection with an argument, another argument, outcome, decline."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.forms import BaseForm
from crm.objections.models import Outcome
from crm.objections.services import active_arguments, active_objections


def at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("Please use at most %(max)d characters."))


def outcome_choices() -> list[tuple[str, str]]:
    return [(o.value, o.label) for o in Outcome]


def optional_id(value) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class CatalogueEntryForm(BaseForm):
    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # An unreadable number gets WTForms' parse error and the range message; one message is enough.
        if len(self.position.errors) > 1:
            self.position.errors = self.position.errors[-1:]
        return valid

    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), at_most(160)])
    text = TextAreaField(_l("Text"), validators=[Optional(), at_most(2000)], render_kw={"rows": 4})
    position = IntegerField(
        _l("Position in lists"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=10000, message=_l("Please enter a number from 0 to 10000."))],
    )
    active = BooleanField(_l("In use"), default=True, description=_l("Entries no longer in use stay in the history."))


class _ObjectionChoices:
    def load_choices(self) -> None:
        self.objection_id.choices = [(o.id, o.name) for o in active_objections()]
        if hasattr(self, "argument_id"):
            self.argument_id.choices = [("", _l("— none yet —"))] + [(a.id, a.name) for a in active_arguments()]


class ObjectionRecordForm(_ObjectionChoices, BaseForm):
    objection_id = SelectField(
        _l("Objection the employer raised"), coerce=int, validators=[DataRequired(_l("Please choose an objection."))]
    )
    raised_on = DateField(
        _l("Raised on"), validators=[DataRequired(_l("Please enter a date, e.g. 03.03.2026."))], format="%Y-%m-%d"
    )
    note = TextAreaField(
        _l("What exactly did the employer say?"), validators=[Optional(), at_most(2000)], render_kw={"rows": 2}
    )
    argument_id = SelectField(_l("Argument used"), coerce=optional_id, validators=[Optional()])
    outcome = SelectField(_l("Result"), choices=outcome_choices, default=Outcome.OPEN.value)
    argument_note = TextAreaField(
        _l("Note on the argument"), validators=[Optional(), at_most(2000)], render_kw={"rows": 2}
    )


class ArgumentUseForm(BaseForm):
    argument_id = SelectField(
        _l("Argument used"), coerce=int, validators=[DataRequired(_l("Please choose an argument."))]
    )
    outcome = SelectField(_l("Result"), choices=outcome_choices, default=Outcome.OPEN.value)
    note = TextAreaField(_l("Note on the argument"), validators=[Optional(), at_most(2000)], render_kw={"rows": 2})

    def load_choices(self) -> None:
        self.argument_id.choices = [(a.id, a.name) for a in active_arguments()]


class OutcomeForm(BaseForm):
    outcome = SelectField(_l("Result"), choices=outcome_choices)


APPROACH_MONTHS = (3, 6, 12, 24)


class DeclineForm(_ObjectionChoices, BaseForm):
    objection_id = SelectField(_l("Main objection"), coerce=optional_id, validators=[Optional()])
    text = TextAreaField(
        _l("Reason in your own words"),
        validators=[Optional(), at_most(2000)],
        render_kw={"rows": 3},
        description=_l("Choose an objection, describe the reason, or both."),
    )
    approach_after = SelectField(
        _l("Approach again"),
        coerce=optional_id,
        choices=lambda: [("", _l("no date"))] + [(m, _l("in %(num)d months", num=m)) for m in APPROACH_MONTHS],
        default=6,
        validators=[Optional()],
    )

    def load_choices(self) -> None:
        self.objection_id.choices = [("", _l("— none, only the text —"))] + [
            (o.id, o.name) for o in active_objections()
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.objection_id.data is None and not self.text.data:
            self.objection_id.errors.append(_l("Please choose an objection or describe the reason."))
            return False
        return valid


class ApproachForm(BaseForm):
    do_not_approach_before = DateField(
        _l("Do not approach before"),
        validators=[Optional()],
        format="%Y-%m-%d",
        description=_l("Leave empty to allow approaching the employer at any time."),
    )
