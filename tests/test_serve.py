"""`crm serve --demo` (what `make run` runs) really serves the German app with demo data."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_crm_serve_demo_initialises_prints_the_login_and_serves(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "CRM_INSTANCE_PATH": str(tmp_path),
        "CRM_DATABASE_URL": f"sqlite:///{tmp_path / 'crm.sqlite3'}",
    }
    env.pop("CRM_ENV", None)
    crm = Path(sys.executable).with_name("crm")
    server = subprocess.Popen(
        [str(crm), "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        page = None
        while time.monotonic() < deadline and page is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                    page = response.read().decode()
            except OSError:
                assert server.poll() is None, server.stdout.read()
                time.sleep(0.5)
        assert page is not None and "Anmelden" in page
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert "admin@example.org" in output and "Inklusiv-Demo-2026" in output
    assert "Zwei-Faktor-Anmeldung: in dieser Demo für Admins nicht Pflicht" in output
