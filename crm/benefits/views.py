"""Benefits pages: the calculator and the printable "Ihre Vorteile" sheet per employer, the legal facts (admin)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_currency, format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from crm.benefits import bp
from crm.benefits.calc import RATE_KEYS, bfa_subsidy, compensation_levy, workshop_order_offset
from crm.benefits.forms import CalculatorForm, LegalFactForm
from crm.benefits.models import LegalFact
from crm.benefits.services import (
    BFA_KEY,
    OFFSET_KEY,
    FactInput,
    LegalFactError,
    facts_in_force,
    levy_rates,
    list_facts,
    save_fact,
)
from crm.employers.models import Employer
from crm.extensions import db
from crm.forms import form_status, int_or_none, show_error
from crm.objections.services import BERLIN
from crm.panels import Panel, register_panel
from crm.security import ADMINS, roles_required

# Facts shown on the sheet besides the figures the calculation used.
SHEET_FACT_KEYS = ("quota_percent", "return_to_workshop", "outsourced_workplace", "bfa_cap_removed", "bfau")


@bp.app_template_filter("euro")
def euro_filter(value: Decimal | int | None) -> str:
    return format_currency(value, "EUR") if value is not None else ""


@bp.app_template_filter("decimal")
def decimal_filter(value: Decimal | int | None) -> str:
    return format_decimal(value) if value is not None else ""


def local_today() -> date:
    return datetime.now(BERLIN).date()


def _calculate(form: CalculatorForm, facts: dict[str, LegalFact]) -> dict[str, Any]:
    """Run the pure calculations on the valid inputs; name every fact they used for the source list."""
    used: list[LegalFact] = []
    levy = offset = subsidy = None
    if form.workplaces.data is not None:
        levy = compensation_levy(
            workplaces=form.workplaces.data, employed=form.employed.data or Decimal(0), rates=levy_rates(facts)
        )
        if levy.rate_key and levy.rate_key in facts:
            used.append(facts[levy.rate_key])
    offset_fact = facts.get(OFFSET_KEY)
    if offset_fact is not None and offset_fact.amount is not None:
        used.append(offset_fact)
        offset = workshop_order_offset(
            order_labour=form.order_labour.data or Decimal(0),
            yearly_levy=levy.yearly if levy else None,
            share_percent=offset_fact.amount,
        )
    bfa_fact = facts.get(BFA_KEY)
    if bfa_fact is not None and bfa_fact.amount is not None:
        used.append(bfa_fact)
        if form.wage_cost.data is not None:
            subsidy = bfa_subsidy(monthly_wage_cost=form.wage_cost.data, max_percent=bfa_fact.amount)
    used += [facts[key] for key in SHEET_FACT_KEYS if key in facts]
    dated = [f.valid_from for f in used if f.valid_from]
    return {
        "levy": levy,
        "offset": offset,
        "subsidy": subsidy,
        "offset_fact": offset_fact,
        "bfa_fact": bfa_fact,
        "facts": facts,
        "used_facts": used,
        "figures_as_of": max(dated) if dated else None,
        "unreviewed": [f for f in used if f.needs_review],
    }


def _calculator_context(employer: Employer) -> tuple[CalculatorForm, dict[str, Any]]:
    form = CalculatorForm(request.args)
    valid = form.validate() if request.args else True
    facts = facts_in_force(local_today())
    results = _calculate(form, facts) if valid else _calculate(CalculatorForm(formdata=None), facts)
    return form, results


@bp.get("/employers/<int:employer_id>/benefits")
def calculator(employer_id: int):
    employer = db.get_or_404(Employer, employer_id)
    form, results = _calculator_context(employer)
    return render_template(
        "benefits/calculator.html", employer=employer, form=form, today=local_today(), **results
    ), form_status(form)


@bp.get("/employers/<int:employer_id>/benefits/sheet")
def sheet(employer_id: int):
    """The one-page, employer-facing "Ihre Vorteile" sheet for printing."""
    employer = db.get_or_404(Employer, employer_id)
    form, results = _calculator_context(employer)
    if form.errors:
        return redirect(url_for("benefits.calculator", employer_id=employer.id, **request.args))
    return render_template("benefits/sheet.html", employer=employer, form=form, today=local_today(), **results)


# --- legal facts (admin) ------------------------------------------------------------------------


@bp.get("/benefits/facts")
@roles_required(*ADMINS)
def facts():
    today = local_today()
    in_force = {fact.id for fact in facts_in_force(today).values()}
    return render_template(
        "benefits/facts.html", facts=list_facts(), in_force=in_force, rate_keys=set(RATE_KEYS.values())
    )


@bp.route("/benefits/facts/new", methods=["GET", "POST"])
@bp.route("/benefits/facts/<int:fact_id>/edit", methods=["GET", "POST"])
@roles_required(*ADMINS)
def fact_form(fact_id: int | None = None):
    fact = db.get_or_404(LegalFact, fact_id) if fact_id else None
    template_id = int_or_none(request.args.get("from"))
    template = db.get_or_404(LegalFact, template_id) if template_id else None
    form = LegalFactForm(obj=fact or template)
    if request.method == "GET":
        if fact is not None:
            form.reviewed.data = not fact.needs_review
        elif template is not None:
            form.valid_from.data = None
            form.reviewed.data = False
    if form.validate_on_submit():
        data = FactInput(
            key=form.key.data,
            label=form.label.data,
            amount=form.amount.data,
            unit=form.unit.data or None,
            text=form.text.data or None,
            valid_from=form.valid_from.data,
            source=form.source.data or None,
            reviewed=form.reviewed.data,
        )
        try:
            save_fact(fact=fact, data=data, actor=current_user)
        except LegalFactError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("“%(label)s” has been saved.", label=data.label), "success")
            return redirect(url_for("benefits.facts"))
    return render_template("benefits/fact_form.html", form=form, fact=fact), form_status(form)


# --- panel --------------------------------------------------------------------------------------


def _load_panel(employer: Employer) -> dict[str, Any]:
    return {}


register_panel(Panel(key="benefits", order=60, template="benefits/_panel.html", load=_load_panel))
