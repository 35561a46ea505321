"""Account services: creating users, checking passwords, throttling, sessions and reset tokens."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from crm.auth.models import LoginAttempt, Role, User, new_session_token
from crm.db import utcnow
from crm.domain import DomainError
from crm.extensions import db


class AccountError(DomainError):
    """A domain error with a field name, turned into a form message by the view."""


# A fixed hash so that a login for an unknown e-mail costs as much time as one for a known one.
_DUMMY_HASH = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def load_user_by_session_token(token: str) -> User | None:
    """Flask-Login loader: the cookie carries the session token; a renewed token ends old sessions."""
    return db.session.scalar(select(User).where(User.session_token == token, User.active.is_(True)))


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    *, email: str, name: str, role: Role, password: str, language: str = "de", site_id: int | None = None
) -> User:
    """Create an account; the e-mail must be new and the password long enough."""
    email = normalise_email(email)
    if get_user_by_email(email) is not None:
        raise AccountError(_l("A user with this e-mail address exists already."), "email")
    check_password_policy(password, user_inputs=(email, name))
    user = User(
        email=email,
        name=name.strip(),
        role=Role(role),
        password_hash=hash_password(password),
        language=language,
        site_id=site_id,
    )
    db.session.add(user)
    db.session.flush()
    return user


# zxcvbn's guess-count score: 3 means "safely unguessable" (about 10^8 guesses and more).
PASSWORD_MIN_SCORE = 3
ZXCVBN_MAX_LENGTH = 72  # zxcvbn raises ValueError beyond this


def check_password_policy(password: str, *, user_inputs: tuple[str | None, ...] = (), field: str = "password") -> None:
    """Long enough and not guessable (ASVS 2.1.7): common and leaked passwords, keyboard walks, the own name.

    No composition rules (ASVS 2.1.9): a long passphrase of plain words is fine.
    """
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise AccountError(_l("The password must be at least %(minimum)d characters long.", minimum=minimum), field)
    # zxcvbn's cost grows with the length and it refuses more than 72 characters: the first 72 decide.
    words = [part for value in user_inputs if value for part in re.split(r"[\s@._-]+", value) if part]
    if zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=words)["score"] < PASSWORD_MIN_SCORE:
        raise AccountError(
            _l(
                "This password is too easy to guess (a common password, a name or a keyboard pattern). "
                "Choose a passphrase of several words, e.g. “Kaffee-Fahrrad-Wolke-17”."
            ),
            field,
        )


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    throttled: bool = False
    # The password was right, but the user has two-factor login: nothing is recorded until the code is.
    needs_second_factor: bool = False


def is_throttled(*, email: str, address: str) -> bool:
    """True while the e-mail or the address has too many recent failures since its last success."""
    config = current_app.config
    window_start = utcnow() - timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"])
    limits = (
        (LoginAttempt.email, normalise_email(email), config["LOGIN_MAX_FAILURES"]),
        (LoginAttempt.address, address, config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
    )
    for column, value, limit in limits:
        last_success = db.session.scalar(
            select(func.max(LoginAttempt.at)).where(column == value, LoginAttempt.succeeded.is_(True))
        )
        since = max(window_start, last_success) if last_success else window_start
        failures = db.session.scalar(
            select(func.count()).where(column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
        )
        if failures >= limit:
            return True
    return False


def authenticate(*, email: str, password: str, address: str) -> LoginResult:
    """Check a login and record the attempt; never reveal whether the e-mail exists."""
    email = normalise_email(email)
    if is_throttled(email=email, address=address):
        db.session.add(LoginAttempt(email=email, address=address, succeeded=False))
        return LoginResult(user=None, throttled=True)
    user = get_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        ok = False
    else:
        ok = check_password_hash(user.password_hash, password) and user.active
    if not ok:
        db.session.add(LoginAttempt(email=email, address=address, succeeded=False))
        return LoginResult(user=None)
    if user.two_factor_enabled:
        # Not a success yet: a success would reset the failure count, and so the throttling of the codes.
        return LoginResult(user=user, needs_second_factor=True)
    db.session.add(LoginAttempt(email=email, address=address, succeeded=True))
    user.last_login_at = utcnow()
    return LoginResult(user=user)


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not-a-real-password-but-long-enough")
    return _DUMMY_HASH


def delete_login_attempts(*, before: datetime, limit: int) -> int:
    """Delete up to `limit` login attempts older than `before`; return how many were deleted.

    One statement whose WHERE repeats the age test: a second process doing the same at once deletes
    nothing twice and fails on nothing, it only finds fewer rows.
    """
    oldest = select(LoginAttempt.id).where(LoginAttempt.at < before).order_by(LoginAttempt.id).limit(limit)
    result = db.session.execute(
        delete(LoginAttempt)
        .where(LoginAttempt.id.in_(oldest.scalar_subquery()), LoginAttempt.at < before)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def end_all_sessions(user: User) -> None:
    """Renew the session token: every cookie issued before stops working."""
    user.session_token = new_session_token()


def change_password(*, user: User, current_password: str, new_password: str) -> None:
    if not check_password_hash(user.password_hash, current_password):
        raise AccountError(_l("The current password is not correct."), "current_password")
    check_password_policy(new_password, user_inputs=(user.email, user.name), field="new_password")
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)


def set_user_active(*, user: User, active: bool) -> None:
    """Deactivate or reactivate an account; the last active admin stays."""
    if not active and user.role == Role.ADMIN and user.active and count_active_admins() <= 1:
        raise AccountError(_l("The last active administrator cannot be deactivated."))
    user.active = active
    if not active:
        end_all_sessions(user)


def change_role(*, user: User, role: Role) -> None:
    if user.role == Role.ADMIN and role != Role.ADMIN and user.active and count_active_admins() <= 1:
        raise AccountError(_l("The last active administrator must keep the administrator role."), "role")
    user.role = Role(role)


def count_active_admins() -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active.is_(True))
    )


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    """A signed token bound to the current password hash, so it works once and expires."""
    return _reset_serializer().dumps({"uid": user.id, "pw": user.password_hash[-16:]})


def user_for_reset_token(token: str) -> User | None:
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"]
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.active or user.password_hash[-16:] != data.get("pw"):
        return None
    return user


def reset_password(*, user: User, new_password: str) -> None:
    check_password_policy(new_password, user_inputs=(user.email, user.name), field="new_password")
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)
