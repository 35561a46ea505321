"""Data-protection pages: a contact's data (view, JSON, print), erasure, and the review list."""

import json

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from crm.contacts.models import Contact
from crm.extensions import db
from crm.gdpr import bp
from crm.gdpr.forms import EraseForm
from crm.gdpr.services import (
    DEFAULT_REVIEW_YEARS,
    GdprError,
    collect_contact_data,
    erase_contact,
    is_erased,
    last_activity_dates,
    log_contact_export,
    review_query,
)
from crm.security import ADMINS, roles_required
from crm.security_events.models import SecurityEventKind
from crm.security_events.services import record_security_event
from crm.ui import paginate

MAX_REVIEW_YEARS = 30


def _contact(contact_id: int) -> Contact:
    return db.get_or_404(Contact, contact_id, options=[joinedload(Contact.employer)])


@bp.route("/contacts/<int:contact_id>")
@roles_required(*ADMINS)
def contact(contact_id: int):
    person = _contact(contact_id)
    data = collect_contact_data(person)
    return render_template("gdpr/contact.html", contact=person, data=data, form=EraseForm(), erased=is_erased(person))


@bp.route("/contacts/<int:contact_id>/report")
@roles_required(*ADMINS)
def report(contact_id: int):
    """Printable Art. 15 report (the browser's "print to PDF" makes the PDF)."""
    person = _contact(contact_id)
    data = collect_contact_data(person)
    log_contact_export(contact=person, actor=current_user)
    record_security_event(
        kind=SecurityEventKind.GDPR_EXPORT, user=current_user, detail=f"contact #{person.id}, printable report"
    )
    db.session.commit()
    return render_template("gdpr/report.html", contact=person, data=data)


@bp.route("/contacts/<int:contact_id>/export.json")
@roles_required(*ADMINS)
def export_json(contact_id: int):
    person = _contact(contact_id)
    data = collect_contact_data(person)
    log_contact_export(contact=person, actor=current_user)
    record_security_event(kind=SecurityEventKind.GDPR_EXPORT, user=current_user, detail=f"contact #{person.id}, JSON")
    db.session.commit()
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="dsgvo-auskunft-kontakt-{person.id}.json"'
    return response


@bp.route("/contacts/<int:contact_id>/erase", methods=["POST"])
@roles_required(*ADMINS)
def erase(contact_id: int):
    person = _contact(contact_id)
    form = EraseForm()
    if form.validate_on_submit():
        employer_id = person.employer_id
        try:
            erase_contact(contact=person, reason=form.reason.data, actor=current_user)
        except GdprError as error:
            db.session.rollback()
            form.reason.errors.append(error.message)
        else:
            # The id only: the erased name must not live on in the log.
            record_security_event(
                kind=SecurityEventKind.GDPR_ERASURE, user=current_user, detail=f"contact #{contact_id}"
            )
            db.session.commit()
            flash(_("The contact person's data has been erased. The history now shows “Kontakt gelöscht”."), "success")
            return redirect(url_for("employers.detail", employer_id=employer_id))
    data = collect_contact_data(person)
    return (
        render_template("gdpr/contact.html", contact=person, data=data, form=form, erased=is_erased(person)),
        422,
    )


@bp.route("/review")
@roles_required(*ADMINS)
def review():
    default = int(current_app.config.get("GDPR_REVIEW_YEARS", DEFAULT_REVIEW_YEARS))
    years = request.args.get("years", type=int) or default
    years = min(max(years, 1), MAX_REVIEW_YEARS)
    page = paginate(
        review_query(years=years).options(joinedload(Contact.employer)),
        per_page=current_app.config.get("ITEMS_PER_PAGE", 25),
    )
    last = last_activity_dates([c.id for c in page.items])
    return render_template("gdpr/review.html", page=page, years=years, last=last)
