"""Token services: create (returns the secret once), revoke, and authenticate a request's token."""

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from crm.api.models import ApiToken, TokenScope
from crm.auth.models import User
from crm.db import utcnow
from crm.extensions import db

TOKEN_PREFIX = "crm_"  # noqa: S105  # nosec B105  # a public marker in front of every token, not a secret
MAX_TOKENS_PER_USER = 20
# last_used_at is written at most this often, so reads do not turn into writes on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(*, user: User, name: str, scope: TokenScope) -> tuple[ApiToken, str]:
    """Create a token for `user`; return the row and the secret (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise TokenError(_("Please give the token a name, e.g. the program that uses it."), "name")
    active = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    if len(active.all()) >= MAX_TOKENS_PER_USER:
        raise TokenError(_("You have too many active tokens. Please revoke one you no longer use."), "name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:80], token_hash=hash_token(secret), prefix=secret[:10], scope=scope)
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke_token(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()


def user_tokens(user: User) -> list[ApiToken]:
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
    )
    return list(db.session.scalars(query))


def authenticate(secret: str) -> ApiToken | None:
    """The active token for `secret` whose owner is active, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token
