"""/api/v1/postings: create and update through the posting form, so the messages are the page's."""

from typing import Any

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from crm.api import bp
from crm.api.generic import row_json
from crm.api.parsing import as_formdata, created, json_body, validated
from crm.api.problems import Problem, domain_problem, require_write
from crm.api.spec import EMPLOYER_REF, POSTING_WRITE
from crm.employers.models import Employer
from crm.extensions import csrf, db
from crm.postings.forms import PostingForm
from crm.postings.models import JobPosting, PostingStatus
from crm.postings.services import PostingError, create_posting, update_posting
from crm.security import EDITORS

POSTING_FIELDS = tuple(POSTING_WRITE)


def _posting_form(values: dict[str, Any], posting: JobPosting | None = None) -> PostingForm:
    if isinstance(values.get("hours_per_week"), float):
        values["hours_per_week"] = round(values["hours_per_week"], 1)  # the column keeps one decimal
    form = PostingForm(formdata=as_formdata(values), meta={"csrf": False})
    form.load_choices(
        current_status=posting.status if posting else None,
        current_contact_id=posting.contact_user_id if posting else None,
    )
    return validated(form)


@bp.post("/v1/postings")
@csrf.exempt
def create_posting_view():
    require_write(*EDITORS)
    data = json_body({**EMPLOYER_REF, **POSTING_WRITE})
    missing = [name for name in ("employer_id", "title", "posting_type") if name not in data]
    if missing:
        raise Problem(
            422, _("Please correct the marked fields."), {name: [_("This field is required.")] for name in missing}
        )
    employer = db.session.get(Employer, data.pop("employer_id"))
    if employer is None:
        raise Problem(422, _("Please correct the marked fields."), {"employer_id": [_("There is no such employer.")]})
    # The page's defaults for a new posting: open, one place.
    form = _posting_form({"status": PostingStatus.OPEN.value, "places": 1, **data})
    try:
        posting = create_posting(employer=employer, data=form.to_input(), actor=current_user)
        db.session.commit()
    except PostingError as error:
        db.session.rollback()
        raise domain_problem(error, "posting") from error
    return created(row_json(db.session.get(JobPosting, posting.id)))


@bp.patch("/v1/postings/<int:posting_id>")
@csrf.exempt
def update_posting_view(posting_id: int):
    require_write(*EDITORS)
    posting = db.session.get(JobPosting, posting_id)
    if posting is None:
        raise Problem(404, _("Not found."))
    data = json_body(POSTING_WRITE)
    current = {key: value for key, value in row_json(posting).items() if key in POSTING_FIELDS}
    form = _posting_form({**current, **data}, posting)
    try:
        update_posting(posting=posting, data=form.to_input(), actor=current_user)
        db.session.commit()
    except PostingError as error:
        db.session.rollback()
        raise domain_problem(error, "posting") from error
    db.session.expire_all()
    return jsonify(row_json(db.session.get(JobPosting, posting_id)))
