"""The `crm` command line."""

import pytest

from crm import ConfigurationError, create_app
from crm.auth.models import User
from crm.extensions import db


def test_create_user_reads_the_password_from_stdin(runner):
    result = runner.invoke(
        args=["create-user", "neu@example.org", "--name", "Neu", "--role", "coach", "--password-stdin"],
        input="Ein-langes-Passwort-1\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.query(User).filter_by(email="neu@example.org").one().role == "coach"


def test_create_user_refuses_a_short_password(runner):
    result = runner.invoke(
        args=["create-user", "neu@example.org", "--name", "Neu", "--role", "coach", "--password-stdin"], input="kurz\n"
    )
    assert result.exit_code != 0
    assert "mindestens 12 Zeichen" in result.output


def test_production_refuses_the_default_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("CRM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("CRM_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="CRM_SECRET_KEY"):
        create_app("production")


def test_production_starts_with_a_real_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("CRM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CRM_SECRET_KEY", "a" * 64)
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_environment_variables_override_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("CRM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CRM_MAIL_PORT", "2525")
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    app = create_app("development")
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.sqlite3")
    assert app.instance_path == str(tmp_path)
