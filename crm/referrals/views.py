"""Referral pages: create a recommended employer, record "recommended by", the tree panel, the thank-you
suggestion, other providers involved, the partner catalogue (admin) and /insights/referrals."""

from datetime import date, datetime
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.contacts.models import Contact
from crm.employers.models import Employer, Industry
from crm.extensions import db
from crm.forms import form_status, int_or_none, show_error
from crm.objections.services import BERLIN
from crm.panels import Panel, register_panel
from crm.referrals import bp
from crm.referrals.forms import ExistingReferralForm, NewReferredEmployerForm, PartnerForm, ProviderForm
from crm.referrals.models import Partner, PartnerKind, ProviderInvolvement, Referral
from crm.referrals.services import (
    ReferralError,
    add_provider,
    archive_referral,
    create_referred_employer,
    create_thanks_followup,
    dismiss_thanks,
    employer_providers,
    find_employers_by_name,
    record_referral,
    referral_tree,
    referrals_of,
    remove_provider,
    save_partner,
    top_referrers,
)
from crm.security import ADMINS, EDITORS, LOGGERS, roles_required, safe_next
from crm.sites.services import list_sites
from crm.timeline import TimelineEntry, TimelineSource, register_source


def local_today() -> date:
    return datetime.now(BERLIN).date()


def employer_page_url(employer_id: int, anchor: str | None = "panel-referrals") -> str:
    endpoint = "employers.detail" if "employers.detail" in current_app.view_functions else "activities.timeline"
    return url_for(endpoint, employer_id=employer_id, _anchor=anchor)


def _back(employer_id: int) -> str:
    return safe_next(employer_page_url(employer_id))


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int_or_none(value)


def _current_contacts(employer: Employer) -> list[Contact]:
    return [c for c in employer.contacts if c.is_current]


# --- a recommended employer, new or existing ----------------------------------------------------


@bp.route("/referrals/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new():
    """Create the recommended employer (source = referral) and the link to who recommended it."""
    referrer_id = _int_arg("referrer")
    referrer = db.get_or_404(Employer, referrer_id) if referrer_id else None
    form = NewReferredEmployerForm()
    form.load_choices(_current_contacts(referrer) if referrer else ())
    if request.method == "GET":
        form.referred_on.data = local_today()
        form.partner_id.data = _int_arg("partner")
    candidates = []
    if form.validate_on_submit():
        from crm.employers.services import EmployerError, EmployerInput, find_duplicate_candidates

        partner = db.session.get(Partner, form.partner_id.data) if form.partner_id.data and not referrer else None
        contact = db.session.get(Contact, form.contact_id.data) if form.contact_id.data and referrer else None
        if referrer is None and partner is None:
            form.partner_id.errors.append(_("Please choose the network partner who recommended the employer."))
        else:
            if not form.confirm_duplicate.data:
                candidates = find_duplicate_candidates(
                    name=form.name.data, postcode=form.postcode.data, city=form.city.data
                )
            if not candidates:
                data = EmployerInput(
                    name=form.name.data,
                    postcode=form.postcode.data or None,
                    city=form.city.data or None,
                    phone=form.phone.data or None,
                    email=form.email.data or None,
                    owner_id=current_user.id,
                    site_id=current_user.site_id,
                )
                try:
                    employer, _referral = create_referred_employer(
                        data=data,
                        referred_on=form.referred_on.data,
                        actor=current_user,
                        referrer_employer=referrer,
                        partner=partner,
                        contact=contact,
                        note=form.note.data,
                    )
                except (ReferralError, EmployerError) as error:
                    db.session.rollback()
                    show_error(form, error)
                else:
                    db.session.commit()
                    flash(_("%(name)s has been created as a recommendation.", name=employer.name), "success")
                    return redirect(employer_page_url(employer.id, None))
    return render_template("referrals/new.html", form=form, referrer=referrer, candidates=candidates), 422 if (
        form.errors or candidates
    ) and request.method == "POST" else 200


@bp.route("/employers/<int:employer_id>/referrals/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def recommended_by(employer_id: int):
    """Record who recommended an employer that is already in the CRM."""
    employer = db.get_or_404(Employer, employer_id)
    form = ExistingReferralForm()
    form.load_choices()
    if request.method == "GET":
        form.referred_on.data = local_today()
    candidates = (
        find_employers_by_name(form.referrer_name.data, exclude_id=employer.id) if form.referrer_name.data else []
    )
    form.referrer_id.choices = [(c.id, f"{c.name}, {c.city}" if c.city else c.name) for c in candidates]
    chosen = next((c for c in candidates if c.id == form.referrer_id.data), None)
    if chosen is None and len(candidates) == 1:
        chosen = candidates[0]
    if chosen is not None:
        form.contact_id.choices = [("", _("— nobody in particular —"))] + [
            (c.id, c.full_name) for c in _current_contacts(chosen)
        ]
    if form.validate_on_submit():
        partner = db.session.get(Partner, form.partner_id.data) if form.partner_id.data else None
        contact = db.session.get(Contact, form.contact_id.data) if form.contact_id.data and chosen else None
        if form.referrer_name.data and not candidates:
            form.referrer_name.errors.append(_("No employer with this name was found."))
        elif form.referrer_name.data and chosen is None:
            form.referrer_id.errors.append(_("Several employers match. Please choose one."))
        elif chosen is not None and partner is not None:
            form.partner_id.errors.append(_("Please choose either an employer or a network partner, not both."))
        elif chosen is None and partner is None:
            form.referrer_name.errors.append(_("Please enter the recommending employer or choose a network partner."))
        else:
            try:
                record_referral(
                    referred=employer,
                    referred_on=form.referred_on.data,
                    actor=current_user,
                    referrer_employer=chosen,
                    partner=partner,
                    contact=contact,
                    note=form.note.data,
                )
            except ReferralError as error:
                db.session.rollback()
                show_error(form, error)
            else:
                db.session.commit()
                flash(_("The recommendation has been recorded."), "success")
                return redirect(_back(employer.id))
    return render_template(
        "referrals/recommended_by.html", form=form, employer=employer, candidates=candidates, chosen=chosen
    ), form_status(form)


@bp.post("/referrals/<int:referral_id>/archive")
@roles_required(*EDITORS)
def archive(referral_id: int):
    referral = db.get_or_404(Referral, referral_id)
    archive_referral(referral=referral)
    db.session.commit()
    flash(_("The recommendation has been removed."), "success")
    return redirect(_back(referral.referred_id))


@bp.post("/referrals/<int:referral_id>/thanks")
@roles_required(*LOGGERS)
def thanks(referral_id: int):
    """Create the suggested thank-you follow-up for the referrer."""
    referral = db.get_or_404(Referral, referral_id)
    try:
        followup = create_thanks_followup(referral=referral, actor=current_user, today=local_today())
    except ReferralError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Follow-up “%(title)s” has been created.", title=followup.title), "success")
    return redirect(_back(referral.referred_id))


@bp.post("/referrals/<int:referral_id>/thanks/dismiss")
@roles_required(*LOGGERS)
def dismiss(referral_id: int):
    referral = db.get_or_404(Referral, referral_id)
    dismiss_thanks(referral=referral)
    db.session.commit()
    flash(_("The thank-you suggestion has been hidden."), "success")
    return redirect(_back(referral.referred_id))


# --- other providers involved -------------------------------------------------------------------


@bp.route("/employers/<int:employer_id>/providers", methods=["GET", "POST"])
@roles_required(*EDITORS)
def providers(employer_id: int):
    employer = db.get_or_404(Employer, employer_id)
    form = ProviderForm()
    form.load_choices()
    if form.validate_on_submit():
        partner = db.get_or_404(Partner, form.partner_id.data)
        try:
            add_provider(employer=employer, partner=partner, note=form.note.data, actor=current_user)
        except ReferralError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("%(provider)s has been recorded.", provider=partner.name), "success")
            return redirect(_back(employer.id))
    return render_template(
        "referrals/providers.html", form=form, employer=employer, involvements=employer_providers(employer.id)
    ), form_status(form)


@bp.post("/referrals/providers/<int:involvement_id>/remove")
@roles_required(*EDITORS)
def remove_provider_view(involvement_id: int):
    involvement = db.get_or_404(ProviderInvolvement, involvement_id)
    remove_provider(involvement=involvement)
    db.session.commit()
    flash(_("%(provider)s has been removed.", provider=involvement.partner.name), "success")
    return redirect(_back(involvement.employer_id))


# --- partner catalogue (admin) ------------------------------------------------------------------


@bp.get("/referrals/partners")
@roles_required(*ADMINS)
def partners():
    rows = db.session.scalars(select(Partner).order_by(Partner.kind, Partner.name)).all()
    return render_template("referrals/partners.html", partners=rows)


@bp.route("/referrals/partners/new", methods=["GET", "POST"])
@bp.route("/referrals/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@roles_required(*ADMINS)
def partner_form(partner_id: int | None = None):
    partner = db.get_or_404(Partner, partner_id) if partner_id else None
    form = PartnerForm(obj=partner)
    if request.method == "GET" and partner is not None:
        form.kind.data = partner.kind.value
    if form.validate_on_submit():
        try:
            save_partner(
                partner=partner,
                name=form.name.data,
                kind=PartnerKind(form.kind.data),
                note=form.note.data,
                active=form.active.data,
            )
        except ReferralError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("“%(name)s” has been saved.", name=form.name.data), "success")
            return redirect(url_for("referrals.partners"))
    return render_template("referrals/partner_form.html", form=form, partner=partner), form_status(form)


# --- insights -----------------------------------------------------------------------------------


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/insights/referrals")
def insights():
    from crm.objections.services import InsightFilter

    flt = InsightFilter(
        start=_parse_day(request.args.get("start")),
        end=_parse_day(request.args.get("end")),
        industry_id=_int_arg("industry"),
        site_id=_int_arg("site"),
    )
    rows = top_referrers(start=flt.start, end=flt.end, industry_id=flt.industry_id, site_id=flt.site_id)
    return render_template(
        "referrals/insights.html",
        flt=flt,
        rows=rows,
        industries=db.session.scalars(select(Industry).order_by(Industry.name)).all(),
        sites=list_sites(),
    )


@bp.get("/insights/referrals/by")
def referrer_detail():
    """Every referral of one referrer (employer or partner) with the referred employer's stage."""
    employer_id, partner_id = _int_arg("employer"), _int_arg("partner")
    if employer_id is None and partner_id is None:
        abort(404)
    referrer = db.get_or_404(Employer, employer_id) if employer_id else db.get_or_404(Partner, partner_id)
    return render_template(
        "referrals/referrer_detail.html",
        referrer=referrer,
        referrals=referrals_of(employer_id=employer_id, partner_id=partner_id),
    )


# --- panel and timeline -------------------------------------------------------------------------


def _load_panel(employer: Employer) -> dict[str, Any]:
    """The referral tree, thank-you suggestions and other providers (four queries)."""
    return {"tree": referral_tree(employer.id), "providers": employer_providers(employer.id)}


register_panel(Panel(key="referrals", order=40, template="referrals/_panel.html", load=_load_panel))


def _timeline_entries(employer_id: int, limit: int) -> list[TimelineEntry]:
    from sqlalchemy import or_

    rows = db.session.scalars(
        select(Referral)
        .where(
            or_(Referral.referred_id == employer_id, Referral.referrer_employer_id == employer_id),
            Referral.archived_at.is_(None),
        )
        .options(joinedload(Referral.referred), joinedload(Referral.referrer_employer), joinedload(Referral.partner))
        .order_by(Referral.created_at.desc(), Referral.id.desc())
        .limit(limit)
    )
    return [
        TimelineEntry(
            at=r.created_at, kind="referral", template="referrals/_timeline_entry.html", item=r, sort_key=r.id
        )
        for r in rows
    ]


register_source(TimelineSource(kind="referral", label=_l("Referrals"), fetch=_timeline_entries, order=70))
