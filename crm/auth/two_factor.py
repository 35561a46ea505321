"""Two-factor login (ASVS 2.8): TOTP from an authenticator app (RFC 6238) and one-time recovery codes.

The TOTP secret is stored encrypted (Fernet, key derived from SECRET_KEY by HKDF), so a copy of the
database alone does not reveal it; a new SECRET_KEY makes stored secrets unreadable (users then log in
with a recovery code, or an admin resets their two-factor login). A code is accepted once: the time step
it belongs to is stored and a code of that step or an earlier one is refused (ASVS 2.8.4).
"""

import base64
import hmac
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from werkzeug.security import check_password_hash

from crm.auth.models import LoginAttempt, RecoveryCode, Role, User
from crm.auth.services import AccountError, end_all_sessions, is_throttled
from crm.db import utcnow
from crm.extensions import db

TOTP_INTERVAL = 30
TOTP_DIGITS = 6
# Steps accepted either side of the current one: authenticator clocks drift by a few seconds.
TOTP_VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: a code copied from paper is read correctly. 10 characters ≈ 50 bits.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_CODE_LENGTH = 10
# Argon2id with OWASP's minimum settings: the codes are random (≈ 50 bits), not chosen by people, so the
# hash only has to keep a stolen table from being read back; checking ten of them stays well under a second.
_recovery_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class SecondFactor(StrEnum):
    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"


@dataclass(frozen=True)
class SecondFactorResult:
    method: SecondFactor | None
    throttled: bool = False


# --- the secret at rest ------------------------------------------------------------------------


def _fernet() -> Fernet:
    secret_key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"inklusiv-crm totp secret").derive(secret_key)
    return Fernet(base64.urlsafe_b64encode(key))


def _encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode("ascii")).decode("ascii")


def _decrypt(stored: str | None) -> str | None:
    """The plain secret, or None when there is none or it was encrypted with another SECRET_KEY."""
    if not stored:
        return None
    try:
        return _fernet().decrypt(stored.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError):
        return None


# --- enrolment ---------------------------------------------------------------------------------


def needs_enrolment(user: User) -> bool:
    """An admin without two-factor login while CRM_REQUIRE_2FA_FOR_ADMINS is on must set it up first."""
    return (
        bool(current_app.config.get("REQUIRE_2FA_FOR_ADMINS", True))
        and user.role == Role.ADMIN
        and not user.two_factor_enabled
    )


def begin_enrolment(*, user: User) -> str:
    """Return the secret being set up for `user`, creating (and storing) one on the first call."""
    if user.two_factor_enabled:
        raise AccountError(_l("Two-factor login is already turned on."))
    secret = _decrypt(user.totp_secret)
    if secret is None:
        secret = pyotp.random_base32(length=32)
        user.totp_secret = _encrypt(secret)
        user.totp_last_step = None
        db.session.flush()
    return secret


def provisioning_uri(*, user: User, secret: str) -> str:
    """The otpauth:// link an authenticator app reads from the QR code."""
    issuer = current_app.config.get("TOTP_ISSUER", "Inklusiv-CRM")
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL).provisioning_uri(
        name=user.email, issuer_name=issuer
    )


def qr_code_data_uri(data: str) -> str:
    """The QR code as an SVG data: URI, made here (no outside service; the CSP allows data: images)."""
    return segno.make(data, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


def format_secret(secret: str) -> str:
    """The secret in groups of four for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(*, user: User, code: str) -> list[str]:
    """Turn two-factor login on once `code` matches the secret being set up; return new recovery codes."""
    secret = _decrypt(user.totp_secret)
    if user.two_factor_enabled or secret is None:
        raise AccountError(_l("Please start the setup again."), "code")
    step = _matching_step(secret, code, last_step=None)
    if step is None:
        raise AccountError(
            _l("The code is not correct. Check the time on your phone and enter the current code."), "code"
        )
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    end_all_sessions(user)
    return _replace_recovery_codes(user)


def disable_two_factor(*, user: User, password: str, code: str, address: str) -> SecondFactor:
    """Turn two-factor login off; needs the password and a current code (or a recovery code)."""
    if not user.two_factor_enabled:
        raise AccountError(_l("Two-factor login is not turned on."))
    _check_password_throttled(user=user, password=password, address=address)
    method = verify_second_factor(user=user, code=code)
    if method is None:
        db.session.add(LoginAttempt(email=user.email, address=address, succeeded=False))
        raise AccountError(_l("The code is not correct or was used already."), "code")
    clear_two_factor(user=user)
    return method


def _check_password_throttled(*, user: User, password: str, address: str) -> None:
    """Confirming a change by password counts toward the login throttling, so it cannot be guessed here."""
    if is_throttled(email=user.email, address=address):
        minutes = current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"]
        raise AccountError(
            _l("Too many failed attempts. Please wait %(minutes)d minutes and try again.", minutes=minutes), "password"
        )
    if not check_password_hash(user.password_hash, password):
        db.session.add(LoginAttempt(email=user.email, address=address, succeeded=False))
        raise AccountError(_l("The password is not correct."), "password")


def clear_two_factor(*, user: User) -> None:
    """Remove secret, state and recovery codes and end the user's sessions (disable, or an admin's reset)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_all_sessions(user)
    db.session.flush()


def regenerate_recovery_codes(*, user: User, password: str, address: str) -> list[str]:
    """Replace all recovery codes (the old ones stop working); needs the password."""
    if not user.two_factor_enabled:
        raise AccountError(_l("Two-factor login is not turned on."))
    _check_password_throttled(user=user, password=password, address=address)
    return _replace_recovery_codes(user)


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_recovery_hasher.hash(_normalise_recovery_code(code))) for code in codes
    )
    db.session.flush()
    return codes


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _normalise_recovery_code(code: str) -> str:
    return "".join(char for char in code.lower() if char not in " -\t")


# --- checking a code ----------------------------------------------------------------------------


def _normalise_totp(code: str) -> str | None:
    digits = "".join(code.split())
    return digits if len(digits) == TOTP_DIGITS and digits.isascii() and digits.isdigit() else None


def _matching_step(secret: str, code: str, *, last_step: int | None) -> int | None:
    """The time step (near now, after `last_step`) whose code is `code`, or None."""
    code = _normalise_totp(code)
    if code is None:
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL)
    current = int(time.time()) // TOTP_INTERVAL
    for step in range(current - TOTP_VALID_WINDOW, current + TOTP_VALID_WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(user: User, step: int) -> bool:
    """Store `step` as used unless a concurrent request stored it (or a later one) first."""
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1


def _use_recovery_code(user: User, code: str) -> bool:
    normalised = _normalise_recovery_code(code)
    if len(normalised) != RECOVERY_CODE_LENGTH or any(char not in RECOVERY_ALPHABET for char in normalised):
        return False
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for row in unused:
        try:
            _recovery_hasher.verify(row.code_hash, normalised)
        except (VerificationError, InvalidHashError):
            continue
        # Conditional update: of two requests with the same code only one marks it used.
        result = db.session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )
        return result.rowcount == 1
    return False


def verify_second_factor(*, user: User, code: str) -> SecondFactor | None:
    """Accept a current TOTP code not used before, or an unused recovery code (then spent)."""
    code = (code or "").strip()
    if not user.two_factor_enabled or not code:
        return None
    if _normalise_totp(code) is not None:
        secret = _decrypt(user.totp_secret)
        step = _matching_step(secret, code, last_step=user.totp_last_step) if secret else None
        return SecondFactor.TOTP if step is not None and _claim_step(user, step) else None
    return SecondFactor.RECOVERY_CODE if _use_recovery_code(user, code) else None


def complete_second_factor(*, user: User, code: str, address: str) -> SecondFactorResult:
    """The login's second step: throttled like the password, recorded as a login attempt."""
    if is_throttled(email=user.email, address=address):
        db.session.add(LoginAttempt(email=user.email, address=address, succeeded=False))
        return SecondFactorResult(method=None, throttled=True)
    method = verify_second_factor(user=user, code=code) if user.active else None
    db.session.add(LoginAttempt(email=user.email, address=address, succeeded=method is not None))
    if method is not None:
        user.last_login_at = utcnow()
    return SecondFactorResult(method=method)
