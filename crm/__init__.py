"""Inklusiv-CRM: the employer-acquisition CRM for sheltered workshops (WfbM)."""

import importlib
import logging
import os
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from crm.paths import PACKAGE_DIR, resource_dir

ENVIRONMENTS = ("development", "testing", "production")
INSECURE_SECRET_KEYS = {"", "dev-insecure-change-me", "testing-secret-key-not-for-production"}


class ConfigurationError(RuntimeError):
    """The settings do not allow a safe start."""


def create_app(env: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application for `env` (CRM_ENV, default development) with optional test overrides."""
    env = env or os.environ.get("CRM_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"CRM_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    instance_path = Path(os.environ.get("CRM_INSTANCE_PATH") or Path.cwd() / "instance").resolve()
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    load_settings(app, env, overrides or {})
    instance_path.mkdir(parents=True, exist_ok=True)

    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        # Only the client address and scheme; mail links never use the Host header (BASE_URL).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    register_logging(app)
    register_url_converters(app)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def load_settings(app: Flask, env: str, overrides: dict[str, Any]) -> None:
    """Layer the settings: base file, environment file, CRM_* variables, then test overrides."""
    config_dir = resource_dir("config")
    app.config.from_pyfile(str(config_dir / "base.py"))
    app.config.from_pyfile(str(config_dir / f"{env}.py"))
    app.config.from_prefixed_env(prefix="CRM")
    app.config.update(overrides)
    app.config["ENV_NAME"] = env

    url = app.config.get("DATABASE_URL") or f"sqlite:///{Path(app.instance_path) / 'crm.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=int(app.config["SESSION_IDLE_MINUTES"]))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_DIR / "translations")

    if env == "production" and app.config.get("SECRET_KEY") in INSECURE_SECRET_KEYS:
        raise ConfigurationError(
            "CRM_SECRET_KEY is missing or a known default: set it to a long random value "
            "(python -c 'import secrets; print(secrets.token_hex(32))')."
        )


def register_logging(app: Flask) -> None:
    """Tag every log line with the request id so a user's error report can be found."""

    class RequestIdFilter(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            from flask import has_request_context

            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
            return True

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    handler.addFilter(RequestIdFilter())
    app.logger.handlers = [handler]
    app.logger.setLevel(logging.INFO)


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` that matches only ids a database integer can hold: a longer number is a 404, not a 500."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def register_url_converters(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter


def register_extensions(app: Flask) -> None:
    """Bind the unbound extension objects to this app."""
    from crm import i18n
    from crm.auth.services import load_user_by_session_token
    from crm.extensions import babel, csrf, db, login_manager, mail, migrate

    db.init_app(app)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs before it (Flask calls them in reverse).
    app.teardown_appcontext(_end_database_session)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")))
    csrf.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user_by_session_token)

    import crm.models  # noqa: F401  (complete metadata and audit listeners)


def _end_database_session(_error: BaseException | None) -> None:
    """End the request's database session; a connection the server has just dropped is discarded quietly.

    When the database restarts between a request's last query and its end, closing the session (a rollback)
    fails. The answer is already complete, the connection is thrown away and the pool opens a new one for the
    next request; without this the finished page would turn into gunicorn's bare 500 (seen in bench/drills.py).
    """
    from sqlalchemy.exc import InterfaceError, OperationalError

    from crm.extensions import db

    try:
        db.session.remove()
    except (OperationalError, InterfaceError) as error:
        db.session.registry.clear()
        logging.getLogger("crm").warning(
            "database connection lost while ending a request: %s", type(error.orig).__name__
        )


# Domain packages with pages; each has `bp` in its __init__ and routes in its views module.
BLUEPRINT_PACKAGES = (
    "main",
    "auth",
    "admin",
    "audit",
    "employers",
    "contacts",
    "activities",
    "imports",
    "merge",
    "gdpr",
    "security_events",
    "api",
    "objections",
    "referrals",
    "benefits",
    "duoday",
    "postings",
    "placements",
    "followups",
    "reports",
)


def register_blueprints(app: Flask) -> None:
    """Import each domain's views (which attach routes to its blueprint) and mount the blueprint."""
    for name in BLUEPRINT_PACKAGES:
        importlib.import_module(f"crm.{name}.views")
        app.register_blueprint(importlib.import_module(f"crm.{name}").bp)


def register_request_hooks(app: Flask) -> None:
    """Request id, login requirement, session renewal and security headers."""
    from crm import security

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming[:32] if incoming.isalnum() else uuid.uuid4().hex[:12]

    app.before_request(security.require_login)
    app.after_request(security.add_security_headers)


def register_error_handlers(app: Flask) -> None:
    """German error pages without stack traces."""
    from crm.main.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals every template may use."""
    from crm import ui

    ui.register(app)


def register_commands(app: Flask) -> None:
    """Attach the `crm` command-line commands."""
    from crm import cli

    cli.register(app)
