"""Job posting forms: the posting, and "mark as filled" (which placement filled it)."""

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from crm.forms import BaseForm
from crm.placements.forms import coach_choices, optional_int
from crm.postings.models import PostingStatus, PostingType
from crm.postings.services import PostingInput
from crm.sites.services import list_sites

MAX_CHARS = _l("Please use at most %(max)d characters.")


class GermanDecimalField(DecimalField):
    """A decimal number as Germans type it: "19,5" is read as 19.5."""

    def process_formdata(self, valuelist: list) -> None:
        super().process_formdata([v.replace(",", ".") if isinstance(v, str) else v for v in valuelist])


class PostingForm(BaseForm):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Please enter a title, e.g. Helper in the kitchen.")),
            Length(max=200, message=MAX_CHARS),
        ],
    )
    posting_type = SelectField(
        _l("Kind of placement"), validators=[DataRequired(_l("Please choose the kind of placement."))]
    )
    status = SelectField(_l("Status"), validators=[DataRequired(_l("Please choose a status."))])
    places = IntegerField(
        _l("Places"),
        default=1,
        validators=[
            InputRequired(_l("Please enter the number of places, e.g. 1.")),
            NumberRange(min=1, max=99, message=_l("Please enter a number between 1 and 99.")),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": 99},
    )
    hours_per_week = GermanDecimalField(
        _l("Hours per week"),
        places=1,
        validators=[Optional(), NumberRange(min=1, max=60, message=_l("Please enter between 1 and 60 hours."))],
        description=_l("E.g. 19,5"),
        render_kw={"inputmode": "decimal"},
    )
    district = StringField(_l("District"), validators=[Optional(), Length(max=100, message=MAX_CHARS)])
    start_date = DateField(_l("Start"), validators=[Optional()])
    application_deadline = DateField(_l("Apply by"), validators=[Optional()])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=10000, message=MAX_CHARS)], render_kw={"rows": 4}
    )
    requirements = TextAreaField(
        _l("Requirements"), validators=[Optional(), Length(max=5000, message=MAX_CHARS)], render_kw={"rows": 3}
    )
    poster_text = TextAreaField(
        _l("Text for the poster (easy language)"),
        validators=[Optional(), Length(max=600, message=MAX_CHARS)],
        description=_l(
            "Short sentences. One statement per sentence. No abbreviations. E.g.: You sort goods. You work in a team."
        ),
        render_kw={"rows": 3, "maxlength": 600},
    )
    contact_user_id = SelectField(_l("Contact person (workshop)"), coerce=optional_int, validators=[Optional()])
    board_site_id = SelectField(_l("Notice board at site"), coerce=optional_int, validators=[Optional()])
    displayed_until = DateField(_l("Hangs until"), validators=[Optional()])

    def load_choices(
        self, *, current_status: PostingStatus | None = None, current_contact_id: int | None = None
    ) -> None:
        self.posting_type.choices = [("", _l("— please choose —"))] + [(t.value, t.label) for t in PostingType]
        statuses = [s for s in PostingStatus if s != PostingStatus.FILLED or current_status == PostingStatus.FILLED]
        self.status.choices = [(s.value, s.label) for s in statuses]
        self.contact_user_id.choices = coach_choices(current_contact_id)
        self.board_site_id.choices = [("", _l("— not on a notice board —"))] + [(s.id, s.name) for s in list_sites()]

    def to_input(self) -> PostingInput:
        return PostingInput(
            title=self.title.data,
            posting_type=PostingType(self.posting_type.data),
            status=PostingStatus(self.status.data),
            places=self.places.data,
            hours_per_week=self.hours_per_week.data,
            district=self.district.data,
            start_date=self.start_date.data,
            application_deadline=self.application_deadline.data,
            description=self.description.data,
            requirements=self.requirements.data,
            poster_text=self.poster_text.data,
            contact_user_id=self.contact_user_id.data,
            board_site_id=self.board_site_id.data,
            displayed_until=self.displayed_until.data,
        )


NO_PLACEMENT = "none"


class FillForm(BaseForm):
    placement_id = SelectField(
        _l("Filled by which placement?"),
        validators=[DataRequired(_l("Please choose the placement or “not through a placement”."))],
    )

    def load_choices(self, placements: list) -> None:
        self.placement_id.choices = (
            [("", _l("— please choose —"))]
            + [
                (str(p.id), f"{p.participant_ref} · {p.placement_type.label} · {p.start_date.strftime('%d.%m.%Y')}")
                for p in placements
            ]
            + [(NO_PLACEMENT, _l("Not through a placement recorded here"))]
        )

    def chosen_placement_id(self) -> Any:
        return None if self.placement_id.data == NO_PLACEMENT else int(self.placement_id.data)
