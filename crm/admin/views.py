"""User administration for admins."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.admin import bp
from crm.admin.forms import UserCreateForm, UserEditForm
from crm.auth.models import Role, User
from crm.auth.services import AccountError, change_role, create_user, set_user_active
from crm.auth.two_factor import clear_two_factor
from crm.extensions import db
from crm.forms import BaseForm, form_status, show_error
from crm.security import ADMINS, roles_required
from crm.security_events.models import SecurityEventKind
from crm.security_events.services import record_security_event
from crm.sites.services import list_sites


def _site_choices() -> list[tuple[str, str]]:
    return [("", _("— no site —"))] + [(str(site.id), site.name) for site in list_sites()]


@bp.get("/users")
@roles_required(*ADMINS)
def users():
    rows = db.session.scalars(select(User).order_by(User.active.desc(), User.name)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def create_user_view():
    form = UserCreateForm()
    form.site_id.choices = _site_choices()
    if form.validate_on_submit():
        try:
            user = create_user(
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                password=form.password.data,
                site_id=form.site_id.data,
            )
        except AccountError as error:
            show_error(form, error, default_field="email")
        else:
            record_security_event(
                kind=SecurityEventKind.USER_CREATED, user=current_user, target_user=user, detail=f"role: {user.role}"
            )
            db.session.commit()
            flash(_("User %(name)s has been created.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), form_status(form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user, data={"role": user.role.value})
    form.site_id.choices = _site_choices()
    if form.validate_on_submit():
        old_role = user.role
        try:
            change_role(user=user, role=Role(form.role.data))
        except AccountError as error:
            form.role.errors.append(error.message)
        else:
            if user.role != old_role:
                record_security_event(
                    kind=SecurityEventKind.ROLE_CHANGED,
                    user=current_user,
                    target_user=user,
                    detail=f"{old_role} -> {user.role}",
                )
            user.name = form.name.data
            user.site_id = form.site_id.data
            db.session.commit()
            flash(_("Changes to %(name)s have been saved.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user), form_status(form)


@bp.post("/users/<int:user_id>/deactivate")
@roles_required(*ADMINS)
def deactivate_user(user_id: int):
    return _set_active(user_id, active=False)


@bp.post("/users/<int:user_id>/reactivate")
@roles_required(*ADMINS)
def reactivate_user(user_id: int):
    return _set_active(user_id, active=True)


def _set_active(user_id: int, *, active: bool):
    user = db.get_or_404(User, user_id)
    try:
        set_user_active(user=user, active=active)
    except AccountError as error:
        flash(error.message, "error")
    else:
        kind = SecurityEventKind.USER_ACTIVATED if active else SecurityEventKind.USER_DEACTIVATED
        record_security_event(kind=kind, user=current_user, target_user=user)
        db.session.commit()
        if active:
            flash(_("%(name)s can log in again.", name=user.name), "success")
        else:
            flash(_("%(name)s has been deactivated and logged out everywhere.", name=user.name), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/two-factor/reset")
@roles_required(*ADMINS)
def reset_two_factor(user_id: int):
    """Turn off another user's two-factor login (lost phone and codes); they are logged out everywhere."""
    user = db.get_or_404(User, user_id)
    if not BaseForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        # Resetting one's own would skip the code that turning it off asks for.
        flash(_("Turn off your own two-factor login in your profile (it needs a current code)."), "error")
    elif not user.two_factor_enabled:
        flash(_("%(name)s does not use two-factor login.", name=user.name), "info")
    else:
        clear_two_factor(user=user)
        record_security_event(kind=SecurityEventKind.TWO_FACTOR_RESET, user=current_user, target_user=user)
        db.session.commit()
        flash(
            _("Two-factor login of %(name)s has been reset; the person can set it up again.", name=user.name),
            "success",
        )
    return redirect(url_for("admin.edit_user", user_id=user.id))
