"""Throwaway processes for the load test and the fault drills: a PostgreSQL cluster, gunicorn, a scheduler.

Everything listens on loopback only, on free ports, and lives in a temporary folder. Each class stops its
process (and its children) in `stop()`; `Stack` stops everything it started, also on an exception, so no
gunicorn or postgres is left running. The shared PostgreSQL server on 5432 is never touched.
"""

import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, suppress
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin(name: str) -> str:
    """The newest installed PostgreSQL server program (initdb and pg_ctl are not on PATH on Debian)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path is None:
        raise SystemExit(f"{name} not found: install the PostgreSQL server package (apt-get install postgresql)")
    return on_path


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the postgres system user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PgCluster:
    """A private PostgreSQL cluster (initdb) on a free loopback port; restartable, removed on stop()."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.log = folder / "postgres.log"

    def start(self) -> "PgCluster":
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        subprocess.run(
            _as_postgres([_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"])
            + ["--locale=C.UTF-8", "--no-instructions"],
            check=True,
            capture_output=True,
        )
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=100"
        self._pg_ctl("start", "-o", options, "-l", str(self.log))
        return self

    def _pg_ctl(self, *args: str) -> None:
        # Output to a file, not a pipe: a postmaster that pg_ctl starts inherits pg_ctl's stdout, and a pipe
        # would then never close (subprocess.run would wait for it forever).
        with open(self.folder / "pg_ctl.log", "ab") as out:
            done = subprocess.run(
                _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args]),
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=120,
            )
        if done.returncode != 0:
            tail = (self.folder / "pg_ctl.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl {args[0]} failed ({done.returncode}):\n{tail}")

    def restart(self) -> None:
        """A fast restart (disconnects every client, as a package upgrade or a failover does)."""
        self._pg_ctl("restart", "-m", "fast", "-l", str(self.log))

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with suppress(RuntimeError, subprocess.TimeoutExpired):
                self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def app_env(*, database_url: str, instance: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The production settings, as the README's Production section sets them, for loopback without TLS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(
        {
            "CRM_ENV": "production",
            "CRM_SECRET_KEY": secrets.token_hex(32),
            "CRM_DATABASE_URL": database_url,
            "CRM_INSTANCE_PATH": str(instance),
            "CRM_BASE_URL": "http://127.0.0.1",
            # Plain HTTP on loopback: without this the client would never send the Secure session cookie back.
            "CRM_SESSION_COOKIE_SECURE": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


class Process:
    """A child process in its own process group, with its output in a log file."""

    def __init__(self, args: list[str], *, env: dict[str, str], log: Path) -> None:
        self.args = args
        self.env = env
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Process":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603 (our own fixed arguments)
                self.args, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        """SIGKILL the process itself (not its group): a crash, with no chance to clean up."""
        if self.running():
            os.kill(self.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 15) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of the group (a worker that ignored SIGTERM): kill it.
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(5)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Gunicorn(Process):
    """`gunicorn -c python:crm.gunicorn_conf --workers N --bind 127.0.0.1:PORT crm.wsgi:app`, as in production."""

    def __init__(self, *, workers: int, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.workers = workers
        args = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--graceful-timeout",
            "5",
            # gunicorn >= 24 opens a control socket in ~/.gunicorn; two servers at once would share it.
            "--no-control-socket",
            # The production settings: access log with masked secrets, worker timeout.
            "-c",
            "python:crm.gunicorn_conf",
            "crm.wsgi:app",
        ]
        super().__init__(args, env=env, log=log)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 90) -> None:
        """Until /healthz answers and every worker has booted."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}):\n{self.log_text()[-3000:]}")
            try:
                if requests.get(f"{self.base_url}/healthz", timeout=5).status_code == 200 and (
                    len(self.worker_pids()) == self.workers and self.log_text().count("Booting worker") >= self.workers
                ):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not become ready in {timeout} s:\n{self.log_text()[-3000:]}")

    def worker_pids(self) -> list[int]:
        """The master's children (the workers), from /proc."""
        try:
            text = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]


def crm_command(*args: str) -> list[str]:
    """The `crm` console script of this environment (next to the running Python)."""
    return [str(Path(sys.executable).with_name("crm")), *args]


def scheduler_process(*, env: dict[str, str], log: Path) -> Process:
    """`crm scheduler`, started as the README says (its own process next to gunicorn)."""
    return Process(crm_command("scheduler"), env=env, log=log)


_OPEN_STACKS: set["Stack"] = set()
_OPEN_LOCK = threading.Lock()


def stop_everything_on_sigterm() -> None:
    """SIGTERM (CI's timeout, a kill) stops every open Stack, also those of other threads, then ends the run.

    The servers run in their own sessions (start_new_session), so a signal to the run's process group does not
    reach them: without this, a private PostgreSQL or a scheduler would outlive the run.
    """

    def _exit(signum: int, _frame: object) -> None:
        with _OPEN_LOCK:
            stacks = list(_OPEN_STACKS)
        for stack in stacks:
            stack.stopping = True  # other threads start nothing more in it
            with suppress(Exception):
                stack.close()
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)


class Stack(ExitStack):
    """A temporary folder plus every process started in it; all stopped and removed on exit."""

    def __init__(self, name: str, keep: bool = False) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix=f"crm-{name}-"))
        self.keep = keep
        self.cluster: PgCluster | None = None
        self.stopping = False
        os.chmod(self.folder, 0o755)  # the postgres user must reach its cluster below it
        self.callback(self._remove)
        with _OPEN_LOCK:
            _OPEN_STACKS.add(self)
        self.callback(self._forget)

    def _refuse_when_stopping(self) -> None:
        if self.stopping:
            raise SystemExit("stopping: SIGTERM received")

    def _forget(self) -> None:
        with _OPEN_LOCK:
            _OPEN_STACKS.discard(self)

    def _remove(self) -> None:
        if not self.keep:
            shutil.rmtree(self.folder, ignore_errors=True)

    def postgres(self) -> PgCluster:
        self._refuse_when_stopping()
        cluster = PgCluster(self.folder / "pg")
        self.callback(cluster.stop)
        self.cluster = cluster
        return cluster.start()

    def gunicorn(self, *, workers: int, env: dict[str, str], name: str = "gunicorn") -> Gunicorn:
        self._refuse_when_stopping()
        server = Gunicorn(workers=workers, env=env, log=self.folder / f"{name}.log")
        self.callback(server.stop)
        server.start()
        server.wait_ready()
        return server

    def process(self, process: Process) -> Process:
        self._refuse_when_stopping()
        self.callback(process.stop)
        return process.start()
