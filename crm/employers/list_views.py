"""The employer list: search, filters, sorting, pagination and CSV/XLSX export.

The filter state lives in the query string (GET form), so a filtered list is a link one can share.
With htmx the form updates the results in place (`HX-Target: employer-results`); without JS it is a
normal form submit. The export (CSV or XLSX) takes the same query string and exports every matching row.
"""

from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import format_date, format_timedelta, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SearchField, SelectField
from wtforms.validators import Optional, ValidationError

from crm.auth.models import Role, User
from crm.db import utcnow
from crm.employers import bp
from crm.employers.listing import (
    EXPORT_COLUMNS,
    MAX_NO_CONTACT_DAYS,
    EmployerFilters,
    district_choices,
    employer_page,
    export_rows,
)
from crm.employers.listing import FollowUp as FollowUpModel
from crm.employers.models import SOURCE_LABELS, EmployerSource, Industry, Stage, Tag
from crm.extensions import db
from crm.forms import BaseForm, int_or_none
from crm.security import EDITORS, LOGGERS
from crm.sites.models import Site
from crm.xlsx_export import spreadsheet_response

RESULTS_TARGET = "employer-results"


class FilterSelect(SelectField):
    """A filter choice; an unknown value (an old bookmark, a deleted tag) gets a plain message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.type = "SelectField"  # rendered like any select by the field macro

    def pre_validate(self, form: Any) -> None:
        if self.data not in {str(value) for value, *_rest in self.choices}:
            raise ValidationError(_l("This option does not exist (any more). The filter is not applied."))


DAYS_MESSAGE = _l("Please enter a number of days between 1 and 3650, e.g. 90.")


class DaysField(IntegerField):
    """A whole number of days from 1 to MAX_NO_CONTACT_DAYS; one plain message for every kind of wrong input."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"min": 1, "max": MAX_NO_CONTACT_DAYS, "inputmode": "numeric"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(DAYS_MESSAGE)) from error

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and not 1 <= self.data <= MAX_NO_CONTACT_DAYS:
            raise ValidationError(str(DAYS_MESSAGE))


class EmployerFilterForm(BaseForm):
    """The list's filters; read from the query string, never posted (so no CSRF token)."""

    class Meta:
        csrf = False

    stage_ids: dict[str, int]  # stage key -> id, filled by load_choices

    q = SearchField(_l("Search"), id="filter-q", description=_l("Name, contact person, notes or activity text."))
    stage = FilterSelect(_l("Stage"), id="filter-stage", default="")
    owner = FilterSelect(_l("Responsible"), id="filter-owner", default="")
    site = FilterSelect(_l("Site"), id="filter-site", default="")
    district = FilterSelect(_l("District"), id="filter-district", default="")
    industry = FilterSelect(_l("Industry"), id="filter-industry", default="")
    source = FilterSelect(_l("Source"), id="filter-source", default="")
    tag = FilterSelect(_l("Tag"), id="filter-tag", default="")
    no_contact_days = DaysField(
        _l("No contact for more than … days"),
        id="filter-no-contact-days",
        validators=[Optional()],
        description=_l("Also shows employers never contacted."),
    )
    archived = BooleanField(_l("Include archived employers"), id="filter-archived")
    sort = FilterSelect(_l("Sort by"), id="filter-sort", default="name")
    dir = FilterSelect(_l("Order"), id="filter-dir", default="asc")

    def load_choices(self, *, can_see_archived: bool, can_sort_by_followup: bool) -> None:
        """Fill the options from the catalogues (a handful of small queries)."""
        stages = db.session.scalars(select(Stage).order_by(Stage.position, Stage.id)).all()
        self.stage_ids = {stage.key: stage.id for stage in stages}
        # Links from the pipeline carry the stage id; the list's own links use the stable key.
        keys_by_id = {str(stage.id): stage.key for stage in stages}
        if self.stage.data in keys_by_id:
            self.stage.data = keys_by_id[self.stage.data]
        self.stage.choices = [("", _("All stages"))] + [(stage.key, stage.name) for stage in stages]
        users = db.session.scalars(select(User).order_by(User.active.desc(), User.name))
        self.owner.choices = [("", _("Everyone")), ("me", _("Only mine")), ("none", _("Nobody responsible"))] + [
            (str(user.id), user.name if user.active else _("%(name)s (inactive)", name=user.name)) for user in users
        ]
        self.site.choices = [("", _("All sites"))] + [
            (str(site.id), site.name) for site in db.session.scalars(select(Site).order_by(Site.name))
        ]
        self.district.choices = [("", _("All districts"))] + [(name, name) for name in district_choices()]
        self.industry.choices = [("", _("All industries"))] + [
            (str(industry.id), industry.name)
            for industry in db.session.scalars(select(Industry).order_by(Industry.name))
        ]
        self.source.choices = [("", _("All sources"))] + [
            (source.value, str(SOURCE_LABELS[source])) for source in EmployerSource
        ]
        tags = db.session.scalars(select(Tag).order_by(Tag.name)).all()
        self.tag.choices = [("", _("All tags"))] + [(str(tag.id), tag.name) for tag in tags]
        # The employer page links a tag by its name; the list's own links use the id.
        ids_by_name = {tag.name: str(tag.id) for tag in tags}
        if self.tag.data and self.tag.data not in {str(tag.id) for tag in tags} and self.tag.data in ids_by_name:
            self.tag.data = ids_by_name[self.tag.data]
        self.sort.choices = [
            ("name", _("Name")),
            ("stage", _("Stage")),
            ("last_contact", _("Last contact")),
        ]
        if can_sort_by_followup:
            self.sort.choices.append(("next_followup", _("Next follow-up")))
        self.dir.choices = [("asc", _("Ascending")), ("desc", _("Descending"))]
        if not can_see_archived:
            del self.archived

    def to_filters(self, *, user: User) -> EmployerFilters:
        """The valid part of the input as filters; a field with an error is left out."""

        def ok(name: str) -> Any:
            field = self._fields.get(name)
            return None if field is None or field.errors or field.data in (None, "") else field.data

        owner = ok("owner")
        return EmployerFilters(
            q=self.q.data or "",
            stage_id=self.stage_ids.get(ok("stage")) if ok("stage") else None,
            owner_id=user.id if owner == "me" else int_or_none(owner),
            unowned=owner == "none",
            site_id=_int(ok("site")),
            district=ok("district"),
            industry_id=_int(ok("industry")),
            source=EmployerSource(ok("source")) if ok("source") else None,
            tag_id=_int(ok("tag")),
            no_contact_days=ok("no_contact_days"),
            include_archived=bool(ok("archived")),
            sort=ok("sort") or "name",
            direction=ok("dir") or "asc",
        )

    MORE_FILTERS = ("site", "district", "industry", "source", "tag", "no_contact_days", "archived")

    @property
    def more_filters_count(self) -> int:
        """How many of the filters behind "More filters" are set."""
        return sum(1 for name in self.MORE_FILTERS if name in self._fields and self[name].data)

    @property
    def more_filters_active(self) -> bool:
        """Is one of the filters behind "More filters" set or wrong (so that section opens)?"""
        return any(name in self._fields and (self[name].data or self[name].errors) for name in self.MORE_FILTERS)


def _int(value: Any) -> int | None:
    return int_or_none(value)


def local_today() -> date:
    """Today in the user's time zone (Europe/Berlin): follow-ups are due on local dates."""
    return to_user_timezone(utcnow()).date()


def contact_age(moment: datetime | None) -> str:
    """How long ago a contact was, by calendar days in Berlin ("today", "yesterday", "3 days ago")."""
    if moment is None:
        return ""
    days = (local_today() - to_user_timezone(moment).date()).days
    if days <= 0:
        return _("today")
    if days == 1:
        return _("yesterday")
    return format_timedelta(timedelta(days=-days), granularity="day", add_direction=True)


def _page_number() -> int:
    value = request.args.get("page", "1")
    return max(int(value), 1) if value.isascii() and value.isdigit() and len(value) < 7 else 1


def _filter_form() -> tuple[EmployerFilterForm, EmployerFilters]:
    form = EmployerFilterForm(request.args)
    form.load_choices(can_see_archived=current_user.role == Role.ADMIN, can_sort_by_followup=FollowUpModel is not None)
    form.validate()
    return form, form.to_filters(user=current_user)


def _results_only() -> bool:
    """An htmx request for the results region (filter change, page or sort link), not a history restore."""
    return request.headers.get("HX-Target") == RESULTS_TARGET and not request.headers.get("HX-History-Restore-Request")


# Values that are the default anyway; leaving them out keeps shared links short.
DEFAULT_ARGS = {"sort": "name", "dir": "asc", "page": "1"}


def list_url(endpoint: str = "employers.index", **changes: object) -> str:
    """The list URL for the current filters with some changed: no empty or default values."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        args[key] = [] if value is None else [str(value)]
    clean = {
        key: [value for value in values if value != "" and DEFAULT_ARGS.get(key) != value]
        for key, values in args.items()
    }
    return url_for(endpoint, **{key: values for key, values in clean.items() if values})


def _has_noise() -> bool:
    """Does the query string carry empty or default values (as a submitted GET form does)?"""
    return any(value == "" or DEFAULT_ARGS.get(key) == value for key, value in request.args.items(multi=True))


@bp.get("/employers")
def index():
    if _has_noise() and not request.headers.get("HX-Request"):
        # A submitted GET form lists every field; the short URL is the one worth bookmarking.
        return redirect(list_url())
    form, filters = _filter_form()
    page = employer_page(filters, page=_page_number(), per_page=current_app.config["ITEMS_PER_PAGE"])
    views = current_app.view_functions

    def sort_url(key: str) -> str:
        direction = "desc" if filters.sort == key and filters.direction == "asc" else "asc"
        return list_url(sort=key, dir=direction, page=None)

    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "today": local_today(),
        "contact_age": contact_age,
        "sort_url": sort_url,
        "can_log": "activities.new" in views and current_user.role in LOGGERS,
        "new_url": url_for("employers.new") if "employers.new" in views and current_user.role in EDITORS else None,
        "has_followups": FollowUpModel is not None,
        "export_url": list_url("employers.export_csv", page=None),
        "export_xlsx_url": list_url("employers.export_xlsx", page=None),
    }
    if _results_only():
        # htmx swaps only 2xx responses, so filter errors travel in a 200 and show in the results region.
        # The sort controls are swapped too unless the form itself asked (it would lose the focus).
        oob_sort = request.headers.get("HX-Trigger") != "employer-filter"
        html = render_template("employers/_list_results.html", oob=True, oob_sort=oob_sort, **context)
        response = current_app.make_response(html)
        response.headers["HX-Push-Url"] = list_url()
    else:
        html = render_template("employers/index.html", **context)
        response = current_app.make_response((html, 422 if form.errors else 200))
    response.vary.add("HX-Target")
    return response


EXPORT_HEADERS = {
    "id": _l("ID"),
    "name": _l("Name"),
    "legal_form": _l("Legal form"),
    "stage": _l("Stage"),
    "industry": _l("Industry"),
    "street": _l("Street"),
    "postcode": _l("Postcode"),
    "city": _l("City"),
    "district": _l("District"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "website": _l("Website"),
    "source": _l("Source"),
    "owner": _l("Responsible"),
    "site": _l("Site"),
    "tags": _l("Tags"),
    "last_contact_at": _l("Last contact"),
    "next_followup": _l("Next follow-up"),
    "created_at": _l("Created"),
    "archived_at": _l("Archived"),
}


def _export_row(row: tuple) -> list[Any]:
    values = list(row)
    source_index = EXPORT_COLUMNS.index("source")
    source = values[source_index]
    values[source_index] = source.label if isinstance(source, EmployerSource) else source
    return values


@bp.get("/employers/export.csv", endpoint="export_csv", defaults={"fmt": "csv"})
@bp.get("/employers/export.xlsx", endpoint="export_xlsx", defaults={"fmt": "xlsx"})
def export_list(fmt: str):
    """Every employer the list shows with the same filters and order, as German-Excel CSV or XLSX."""
    _form, filters = _filter_form()
    user_id, email = current_user.id, current_user.email
    query_string = request.query_string.decode("utf-8", "replace")

    def log_export(count: int) -> None:
        current_app.logger.info(
            "employer %s export: user %s (%s) exported %d rows; filters: %s",
            fmt.upper(),
            user_id,
            email,
            count,
            query_string or "-",
        )

    stem = _("employer-list")  # not inside the f-string: Babel's extractor would miss it
    filename_stem = f"{stem}-{format_date(local_today(), 'yyyy-MM-dd')}"
    header = [EXPORT_HEADERS[name] for name in EXPORT_COLUMNS]
    rows = (_export_row(row) for row in export_rows(filters))
    return spreadsheet_response(fmt, filename_stem, header, rows, on_complete=log_export)
