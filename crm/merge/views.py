"""Merge pages: choose two employers, compare them field by field, merge."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm.employers.models import Employer
from crm.employers.services import find_duplicate_candidates
from crm.extensions import db
from crm.merge import bp
from crm.merge.forms import ChooseForm, MergeForm
from crm.merge.services import MERGE_FIELDS, MergeError, differing_fields, merge_employers, merge_entries
from crm.security import ADMINS, roles_required
from crm.timeline import TimelineEntry, TimelineSource, register_source

FIELD_LABELS = {
    "name": _l("Name"),
    "legal_form": _l("Legal form"),
    "industry_id": _l("Industry"),
    "size_class": _l("Size"),
    "street": _l("Street"),
    "postcode": _l("Postcode"),
    "city": _l("City"),
    "district": _l("District"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "website": _l("Website"),
    "accessibility_notes": _l("Accessibility"),
    "transport_notes": _l("Public transport"),
    "notes": _l("Notes"),
    "source": _l("Source"),
    "owner_id": _l("Responsible"),
    "site_id": _l("Site"),
    "stage_id": _l("Stage"),
}
RELATED = {"industry_id": "industry", "owner_id": "owner", "site_id": "site", "stage_id": "stage"}


def display(employer: Employer, name: str) -> str:
    """The value as a person reads it (names of related records, labels of choices)."""
    value = getattr(employer, RELATED[name]) if name in RELATED else getattr(employer, name)
    if value is None or value == "":
        return "–"
    if hasattr(value, "label"):
        return str(value.label)
    return str(getattr(value, "name", value))


@bp.route("/")
@roles_required(*ADMINS)
def index():
    form = ChooseForm(request.args)
    candidates = []
    employer = None
    if "a" in request.args and form.a.data and not form.a.errors:
        employer = db.session.get(Employer, form.a.data)
        if employer is None:
            form.a.errors = [_("There is no employer with this number.")]
        else:
            candidates = find_duplicate_candidates(
                name=employer.name, postcode=employer.postcode, city=employer.city, exclude_id=employer.id
            )
    if "b" in request.args and form.validate():
        if form.a.data == form.b.data:
            form.b.errors.append(_("Please choose two different employers."))
        elif db.session.get(Employer, form.b.data) is None:
            form.b.errors.append(_("There is no employer with this number."))
        elif employer is not None:
            return redirect(url_for("merge.compare", a=form.a.data, b=form.b.data))
    status = 422 if form.errors and "b" in request.args else 200
    return render_template("merge/index.html", form=form, employer=employer, candidates=candidates), status


@bp.route("/<int:a>/<int:b>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def compare(a: int, b: int):
    survivor = db.get_or_404(Employer, a)
    other = db.get_or_404(Employer, b)
    form = MergeForm()
    fields = differing_fields(survivor, other)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        take = {name for name in fields if request.form.get(f"field-{name}") == "b"}
        try:
            result = merge_employers(survivor=survivor, other=other, take_from_other=take, actor=current_user)
            db.session.commit()
        except MergeError as error:
            db.session.rollback()
            flash(error.message, "danger")
            return redirect(url_for("merge.compare", a=a, b=b))
        moved = sum(result.moved.values())
        flash(_("The employers were merged; %(moved)d linked records moved over.", moved=moved), "success")
        if result.kept:
            flash(
                _(
                    "Some records could not move (already present at the kept employer) and stay with the archived one: %(what)s",
                    what=", ".join(f"{name} ({count})" for name, count in result.kept.items()),
                ),
                "warning",
            )
        return redirect(url_for("employers.detail", employer_id=a))
    rows = [(name, FIELD_LABELS.get(name, name), display(survivor, name), display(other, name)) for name in fields]
    return render_template(
        "merge/compare.html", survivor=survivor, other=other, rows=rows, form=form, same=len(MERGE_FIELDS) - len(fields)
    )


def fetch_merges(employer_id: int, limit: int) -> list[TimelineEntry]:
    return [
        TimelineEntry(at=e.at, kind="merge", template="merge/_timeline.html", item=e, sort_key=e.id)
        for e in merge_entries(employer_id, limit)
    ]


register_source(TimelineSource(kind="merge", label=_l("Merges"), fetch=fetch_merges, order=90))
