"""User administration for admins."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from crm.admin import bp
from crm.admin.forms import UserCreateForm, UserEditForm
from crm.auth.models import Role, User
from crm.auth.services import AccountError, change_role, create_user, set_user_active
from crm.extensions import db
from crm.forms import form_status
from crm.security import ADMINS, roles_required
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
            getattr(form, error.field or "email").errors.append(error.message)
        else:
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
        try:
            change_role(user=user, role=Role(form.role.data))
        except AccountError as error:
            form.role.errors.append(error.message)
        else:
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
        db.session.commit()
        if active:
            flash(_("%(name)s can log in again.", name=user.name), "success")
        else:
            flash(_("%(name)s has been deactivated and logged out everywhere.", name=user.name), "success")
    return redirect(url_for("admin.users"))
