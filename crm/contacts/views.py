"""Contact person pages: add, edit (with conflict check), archive, restore, primary flag, vCard; the panel."""

import io
from typing import Any

from flask import flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from crm.audit.services import history_for
from crm.contacts import bp
from crm.contacts.forms import ContactForm
from crm.contacts.models import Contact
from crm.contacts.services import (
    CONTACT_FIELDS,
    ContactError,
    StaleContactError,
    archive_contact,
    create_contact,
    employer_contacts,
    restore_contact,
    set_primary_contact,
    update_contact,
)
from crm.contacts.vcard import contact_vcard, vcard_filename
from crm.employers.models import Employer
from crm.extensions import db
from crm.forms import form_status, show_error
from crm.panels import Panel, register_panel
from crm.security import ADMINS, LOGGERS, roles_required, safe_next, user_can


def employer_page_url(employer_id: int, anchor: str | None = None) -> str:
    """The URL of the employer page (the briefing), optionally scrolled to one section."""
    return url_for("employers.detail", employer_id=employer_id, _anchor=anchor)


def _back_url(employer_id: int) -> str:
    return safe_next(employer_page_url(employer_id, "panel-contacts"))


@bp.route("/employers/<int:employer_id>/contacts/new", methods=["GET", "POST"])
@roles_required(*LOGGERS)
def new(employer_id: int):
    employer = db.get_or_404(Employer, employer_id)
    form = ContactForm()
    if form.validate_on_submit():
        try:
            contact = create_contact(employer=employer, **form.contact_data())
        except ContactError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s has been added as a contact.", name=contact.full_name), "success")
            return redirect(_back_url(employer_id))
    return render_template(
        "contacts/form.html", form=form, employer=employer, contact=None, back_url=_back_url(employer_id)
    ), form_status(form)


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@roles_required(*LOGGERS)
def edit(contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    form = ContactForm(obj=contact)
    conflict = None
    if form.validate_on_submit():
        try:
            update_contact(contact=contact, expected_version=form.expected_version(), changes=form.contact_data())
        except StaleContactError as error:
            db.session.rollback()
            contact = db.get_or_404(Contact, contact_id)
            conflict = _conflict(form, contact)
            # The next save is a deliberate decision on top of the other change, so it may go through.
            form.version.data = contact.version
            form.form_errors.append(error.message)
        except ContactError as error:
            db.session.rollback()
            contact = db.get_or_404(Contact, contact_id)
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Changes to %(name)s have been saved.", name=contact.full_name), "success")
            return redirect(_back_url(contact.employer_id))
    return render_template(
        "contacts/form.html",
        form=form,
        employer=contact.employer,
        contact=contact,
        conflict=conflict,
        back_url=_back_url(contact.employer_id),
    ), form_status(form)


def _conflict(form: ContactForm, saved: Contact) -> dict[str, Any]:
    """What the other person saved, for every field where it differs from what this user typed."""
    typed = form.contact_data()
    differences = []
    for name in CONTACT_FIELDS:
        theirs = getattr(saved, name)
        if (theirs or None) != (typed[name] or None):
            differences.append((form[name].label.text, _display(theirs), _display(typed[name])))
    last = history_for("contacts", saved.id, limit=1)
    return {"differences": differences, "last_change": last[0] if last else None}


def _display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(getattr(value, "label", value))


@bp.post("/contacts/<int:contact_id>/archive")
@roles_required(*LOGGERS)
def archive(contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    archive_contact(contact=contact)
    db.session.commit()
    flash(_("%(name)s has been archived.", name=contact.full_name), "success")
    return redirect(_back_url(contact.employer_id))


@bp.post("/contacts/<int:contact_id>/restore")
@roles_required(*ADMINS)
def restore(contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    restore_contact(contact=contact)
    db.session.commit()
    flash(_("%(name)s has been restored.", name=contact.full_name), "success")
    return redirect(_back_url(contact.employer_id))


@bp.post("/contacts/<int:contact_id>/primary")
@roles_required(*LOGGERS)
def make_primary(contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    try:
        set_primary_contact(contact=contact)
    except ContactError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("%(name)s is now the primary contact.", name=contact.full_name), "success")
    return redirect(_back_url(contact.employer_id))


@bp.get("/contacts/<int:contact_id>.vcf")
def vcard(contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    payload = io.BytesIO(contact_vcard(contact).encode("utf-8"))
    return send_file(
        payload,
        mimetype="text/vcard; charset=utf-8",
        as_attachment=True,
        download_name=vcard_filename(contact),
        max_age=0,
    )


def _load_panel(employer: Employer) -> dict[str, Any]:
    """Context of the contacts panel and its print variant: one query (two for admins)."""
    contacts = employer_contacts(employer.id)
    current = [c for c in contacts if not c.has_left]
    archived = employer_contacts(employer.id, archived=True) if user_can(*ADMINS) else []
    return {
        "current_contacts": current,
        "left_contacts": [c for c in contacts if c.has_left],
        "archived_contacts": archived,
        "primary_contact": next((c for c in current if c.is_primary), None),
    }


register_panel(
    Panel(
        key="contacts",
        order=10,
        template="contacts/_panel.html",
        load=_load_panel,
        print_template="contacts/_panel_print.html",
    )
)
