"""Token services: create (returns the secret once), revoke, and authenticate a request's token."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from crm.api.models import ApiToken, TokenScope
from crm.auth.models import User
from crm.db import utcnow
from crm.domain import DomainError
from crm.extensions import db

TOKEN_PREFIX = "crm_"  # noqa: S105  # nosec B105  # a public marker in front of every token, not a secret
MAX_TOKENS_PER_USER = 20
# last_used_at is written at most this often, so reads do not turn into writes on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenError(DomainError):
    """An API token that cannot be created as asked."""


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
    stamp_last_used(token)
    return token


def stamp_last_used(token: ApiToken, *, now: datetime | None = None) -> None:
    """Record that `token` was used (at most every LAST_USED_RESOLUTION) in a transaction of its own.

    The request's session is neither flushed nor committed here: what the request writes commits or rolls
    back with the request alone, and the stamp stays even when the request fails. The WHERE repeats the age
    test, so parallel requests with the same token write it once.
    """
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at <= LAST_USED_RESOLUTION:
        return
    table = ApiToken.__table__
    stale = or_(table.c.last_used_at.is_(None), table.c.last_used_at < now - LAST_USED_RESOLUTION)
    with db.engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == token.id, stale).values(last_used_at=now))
    # The session's copy is brought up to date without making it a change of the request.
    set_committed_value(token, "last_used_at", now)
