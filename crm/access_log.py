"""Access logs without secrets: the token in a password-reset or calendar-feed path is written as `***`.

Both links carry their only credential in the path, which web servers log by default (and browsers send on as
the Referer of the page's own requests). `crm serve` puts `SecretMaskingFilter` on werkzeug's logger; gunicorn
uses `GunicornLogger` through `crm/gunicorn_conf.py` (`gunicorn -c python:crm.gunicorn_conf …`, see README).
tests/test_access_log.py checks that the patterns match the URLs the app builds.
"""

import logging
import re
from collections.abc import Mapping
from typing import Any

from gunicorn.glogging import Logger

MASK = "***"
# A path separator as sent ("/") or percent-encoded ("%2F", which the router also accepts).
_SLASH = r"(?:/|%2[fF])"
_SEGMENT_END = r"(?=$|[/?#\s\"'])"
# The two paths whose last segment is a secret: auth.reset_password (/password/reset/<token>) and
# followups.calendar_feed (/followups/calendar/<token>.ics, also masked without .ics; its siblings /regenerate and
# /revoke are not secret).
SECRET_PATH = re.compile(
    rf"(?P<before>{_SLASH}password{_SLASH}reset{_SLASH})(?P<secret>[^/?#\s\"']+){_SEGMENT_END}"
    rf"|(?P<feed>{_SLASH}followups{_SLASH}calendar{_SLASH})(?!(?:regenerate|revoke){_SEGMENT_END})"
    rf"(?P<key>[^/?#\s\"']+?)(?P<ics>\.ics)?{_SEGMENT_END}"
)


def mask_secrets(text: str) -> str:
    """`text` with the secret of every reset or calendar-feed path in it replaced by ***."""
    if "reset" not in text and "calendar" not in text:
        return text
    return SECRET_PATH.sub(
        lambda m: f"{m['before']}{MASK}" if m["before"] else f"{m['feed']}{MASK}{m['ics'] or ''}", text
    )


def _mask(value: Any) -> Any:
    return mask_secrets(value) if isinstance(value, str) else value


def mask_args(args: Any) -> Any:
    """Log-record arguments (a tuple, or a mapping for %(name)s formats) with secrets masked."""
    if isinstance(args, Mapping):
        return {key: _mask(value) for key, value in args.items()}
    if isinstance(args, tuple):
        return tuple(_mask(value) for value in args)
    return _mask(args)


class SecretMaskingFilter(logging.Filter):
    """Mask secrets in a record's message and arguments before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _mask(record.msg)
        if record.args:
            record.args = mask_args(record.args)
        return True


def hide_secrets_in_werkzeug_log() -> None:
    """Put the filter on werkzeug's logger (its request lines), once per process."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(existing, SecretMaskingFilter) for existing in logger.filters):
        logger.addFilter(SecretMaskingFilter())


class GunicornLogger(Logger):
    """gunicorn's logger with secrets masked in every access-log field (request line, path, Referer, headers)
    and in the error log (e.g. "Error handling request /password/reset/…")."""

    def atoms(self, resp: Any, req: Any, environ: Mapping[str, Any], request_time: Any) -> dict[str, Any]:
        return {key: _mask(value) for key, value in super().atoms(resp, req, environ, request_time).items()}

    def critical(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().critical(_mask(msg), *mask_args(args), **kwargs)

    def error(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().error(_mask(msg), *mask_args(args), **kwargs)

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().warning(_mask(msg), *mask_args(args), **kwargs)

    def info(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().info(_mask(msg), *mask_args(args), **kwargs)

    def debug(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().debug(_mask(msg), *mask_args(args), **kwargs)

    def exception(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().exception(_mask(msg), *mask_args(args), **kwargs)

    def log(self, lvl: Any, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().log(lvl, _mask(msg), *mask_args(args), **kwargs)
