"""Login requirement, role checks and security headers for every response."""

import time
from collections.abc import Callable
from functools import wraps
from types import EllipsisType
from typing import Any
from urllib.parse import urlsplit

from flask import Response, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from crm.auth.models import Role

# Endpoints reachable without login. Everything else, present and future, requires it.
PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.login",
        "auth.login_two_factor",
        "auth.forgot_password",
        "auth.reset_password",
        "main.healthz",
        "main.set_language",  # the footer's switch is on the login page too (CSRF-checked, local `next` only)
        "static",
        "followups.calendar_feed",
    }
)
# What an admin who must still set up two-factor login may open (CRM_REQUIRE_2FA_FOR_ADMINS).
ENROLMENT_ENDPOINTS = frozenset({"auth.two_factor_setup", "auth.logout", "static", "main.healthz"})

# The session key holding the login time (seconds since the epoch) for SESSION_ABSOLUTE_HOURS.
LOGIN_TIME_KEY = "login_at"

# Who may do what; views name these sets instead of listing roles.
EDITORS = (Role.ADMIN, Role.ACQUISITION)
LOGGERS = (Role.ADMIN, Role.ACQUISITION, Role.COACH)
ADMINS = (Role.ADMIN,)

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)


def require_login() -> Any:
    """Before every request: send anonymous visitors to the login page (htmx gets a 401)."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if current_user.is_authenticated:
        if g.get("api_token") is None and session_too_old():
            return end_expired_session()
        return require_two_factor_enrolment()
    if request.headers.get("HX-Request"):
        response = Response(status=401)
        response.headers["HX-Redirect"] = url_for("auth.login")
        return response
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


def session_too_old() -> bool:
    """Older than SESSION_ABSOLUTE_HOURS since the login (a session without a login time counts as old)."""
    started = session.get(LOGIN_TIME_KEY)
    limit = current_app.config["SESSION_ABSOLUTE_HOURS"] * 3600
    return not isinstance(started, int) or time.time() - started > limit


def end_expired_session() -> Response:
    """Log this browser out (other sessions of the user have their own login time)."""
    logout_user()
    session.clear()
    flash(
        _(
            "Your session has ended after %(hours)d hours. Please log in again.",
            hours=current_app.config["SESSION_ABSOLUTE_HOURS"],
        ),
        "info",
    )
    if request.headers.get("HX-Request"):
        response = Response(status=401)
        response.headers["HX-Redirect"] = url_for("auth.login")
        return response
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


def require_two_factor_enrolment() -> Any:
    """Keep an admin who must use two-factor login on its setup page until it is on (logout stays open).

    API requests carry their own credential (a token) and are not held here.
    """
    from crm.auth.two_factor import needs_enrolment

    if request.endpoint in ENROLMENT_ENDPOINTS or g.get("api_token") is not None:
        return None
    if not needs_enrolment(current_user):
        return None
    target = url_for("auth.two_factor_setup")
    if request.headers.get("HX-Request"):
        response = Response(status=403)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def roles_required(*roles: Role) -> Callable:
    """Allow the view only to users with one of `roles`; others get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated or current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # type: ignore[attr-defined]
        return wrapped

    return decorator


def user_can(*roles: Role) -> bool:
    """For templates: may the current user do what `roles` may do?"""
    return current_user.is_authenticated and current_user.role in roles


def is_safe_next(target: str | None) -> bool:
    """Only local paths are allowed as redirect targets (no open redirects).

    Browsers drop tabs and newlines inside URLs and read a backslash as a slash, so "/\t/evil.org"
    would become "//evil.org": any control character, blank or backslash disqualifies a target.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if any(ord(char) < 33 or char in "\\\x7f" for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(default_url: str, *, target: str | None | EllipsisType = ...) -> str:
    """The request's `next` (query string, else form) when it is a local path, else `default_url`.

    `target` checks a value kept elsewhere (e.g. in the session during a two-step login) instead of the
    request's. Every view that returns to "where the user came from" goes through here, so an open redirect
    cannot creep back in through a copy of this check.
    """
    candidate = request.values.get("next") if target is ... else target
    return candidate if is_safe_next(candidate) else default_url


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.endpoint != "static":
        headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:
        # Over plain HTTP the header is meaningless (and would pin a dev server); behind a TLS proxy
        # request.is_secure follows X-Forwarded-Proto when CRM_PROXY_HOPS trusts it.
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
