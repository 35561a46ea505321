"""Access logs of `crm serve` (werkzeug) and gunicorn show reset and calendar-feed tokens as ***."""

import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import url_for
from gunicorn.config import Config
from werkzeug.serving import make_server

from crm.access_log import GunicornLogger, hide_secrets_in_werkzeug_log, mask_secrets
from crm.auth.models import Role
from crm.auth.services import make_reset_token
from crm.extensions import db
from crm.followups.ical import regenerate_calendar_key, token_for

BIN = Path(sys.executable).parent


@pytest.fixture
def secrets_and_urls(app, make_user):
    """A real reset token and calendar token of a user, and the paths the app builds for them."""
    user = make_user(Role.COACH)
    settings = regenerate_calendar_key(user=user)
    db.session.commit()
    reset, feed = make_reset_token(user), token_for(settings.calendar_key)
    with app.test_request_context():
        urls = {
            "reset_path": url_for("auth.reset_password", token=reset),
            "feed_path": url_for("followups.calendar_feed", token=feed),
            "reset_external": url_for("auth.reset_password", token=reset, _external=True),
        }
    return SimpleNamespace(reset_token=reset, feed_token=feed, **urls)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, **headers: str) -> int:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_patterns_match_the_urls_the_app_builds(app, secrets_and_urls):
    s = secrets_and_urls
    assert mask_secrets(f"GET {s.reset_path} HTTP/1.1") == "GET /password/reset/*** HTTP/1.1"
    assert mask_secrets(f"GET {s.feed_path}?v=2 HTTP/1.1") == "GET /followups/calendar/***.ics?v=2 HTTP/1.1"
    assert mask_secrets(s.reset_external) == s.reset_external.replace(s.reset_token, "***")
    assert mask_secrets(s.reset_path.replace("/", "%2F")) == "%2Fpassword%2Freset%2F***"
    with app.test_request_context():
        for endpoint in ("followups.regenerate_calendar", "followups.revoke_calendar", "auth.forgot_password"):
            assert mask_secrets(url_for(endpoint)) == url_for(endpoint)
    assert mask_secrets("GET /employers/12?q=reset HTTP/1.1") == "GET /employers/12?q=reset HTTP/1.1"


def test_the_werkzeug_request_line_of_crm_serve_hides_the_tokens(app, secrets_and_urls, caplog):
    s = secrets_and_urls
    hide_secrets_in_werkzeug_log()
    hide_secrets_in_werkzeug_log()  # once is enough; a second call adds no second filter
    assert len(logging.getLogger("werkzeug").filters) == 1
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            base = f"http://127.0.0.1:{server.server_port}"
            assert _get(base + s.reset_path) == 200
            assert _get(base + s.feed_path) == 200
            deadline = time.monotonic() + 5
            while len([r for r in caplog.records if r.name == "werkzeug"]) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        server.shutdown()
        thread.join(timeout=5)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any("GET /password/reset/*** HTTP/1.1" in line for line in lines), lines
    assert any("GET /followups/calendar/***.ics HTTP/1.1" in line for line in lines), lines
    assert not any(s.reset_token in line or s.feed_token in line for line in lines), lines


def test_the_gunicorn_logger_hides_tokens_in_every_access_log_field(tmp_path, secrets_and_urls):
    s = secrets_and_urls
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    config.set("access_log_format", '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s {referer}i=%({referer}i)s')
    logger = GunicornLogger(config)
    response = SimpleNamespace(status="200 OK", sent=512, headers=[("Content-Type", "text/css")])
    request = SimpleNamespace(headers=[("REFERER", s.reset_external)])
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": s.feed_path,
        "PATH_INFO": s.feed_path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.5",
        "HTTP_REFERER": s.reset_external,
    }
    logger.access(response, request, environ, timedelta(milliseconds=12))
    logger.error("Error handling request %s", s.reset_path)
    for handler in logger.access_log.handlers + logger.error_log.handlers:
        handler.flush()
    line = (tmp_path / "access.log").read_text()
    assert line.startswith('192.0.2.5 "GET /followups/calendar/***.ics HTTP/1.1" 200 ')
    assert s.reset_external.replace(s.reset_token, "***") in line
    assert s.feed_token not in line and s.reset_token not in line
    errors = (tmp_path / "error.log").read_text()
    assert "Error handling request /password/reset/***" in errors
    assert s.reset_token not in errors


def test_gunicorn_with_the_shipped_config_logs_masked_request_lines(app, tmp_path, secrets_and_urls):
    s = secrets_and_urls
    port = _free_port()
    env = {**os.environ, "CRM_ENV": "testing", "CRM_DATABASE_URL": str(db.engine.url.render_as_string(False))}
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            "python:crm.gunicorn_conf",
            "--no-control-socket",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "crm.wsgi:app",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _get(base + "/healthz") == 200:
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                time.sleep(0.3)
        assert _get(base + s.reset_path) == 200
        assert _get(base + "/static/css/app.css", Referer=base + s.reset_path) == 200
        assert _get(base + s.feed_path) == 200
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert '"GET /password/reset/*** HTTP/1.1" 200' in output, output
    assert '"GET /followups/calendar/***.ics HTTP/1.1" 200' in output, output
    assert f'"{base}/password/reset/***"' in output, output  # the Referer of the page's stylesheet
    assert s.reset_token not in output and s.feed_token not in output


def test_crm_serve_puts_the_filter_on_its_request_lines(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "CRM_INSTANCE_PATH": str(tmp_path),
        "CRM_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
    }
    env.pop("CRM_ENV", None)
    server = subprocess.Popen(
        [str(BIN / "crm"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    reset, feed = "InZvbi1laW5lbS1hbmdyZWlmZXIi.aB3dEf.Xy_z-9", "Zm9yZ2VkLWtleQ.c2lnbmF0dXJl"
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if _get(base + "/healthz") == 200:
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                time.sleep(0.3)
        assert _get(f"{base}/password/reset/{reset}") in (200, 302)
        assert _get(f"{base}/followups/calendar/{feed}.ics") == 404
    finally:
        server.terminate()
        output = re.sub(r"\x1b\[[0-9;]*m", "", server.communicate(timeout=20)[0])  # werkzeug's colours
    assert '"GET /password/reset/*** HTTP/1.1"' in output, output
    assert '"GET /followups/calendar/***.ics HTTP/1.1" 404' in output, output
    assert reset not in output and feed not in output
