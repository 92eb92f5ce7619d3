"""A throwaway PostgreSQL server for tests and benchmarks.

``make test`` (and so CI) runs the suite with Debian's PostgreSQL installed; the session
fixture in ``tests/conftest.py`` starts one server from :func:`start`, in a temporary
directory on a spare port of 127.0.0.1 with fsync off, and stops it at the end. A server
already running elsewhere can be named with ``REFMAN_TEST_PG_URL`` (an admin URL such as
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

PG_URL_VARIABLE = "REFMAN_TEST_PG_URL"
SERVER_USER = "postgres"
PASSWORD_USER = "refman_with_password"
"""A role the throwaway server asks a password of (scram-sha-256; every other role is
trusted): see :meth:`Server.password_role`."""


class ServerUnavailableError(RuntimeError):
    """PostgreSQL cannot be started here; the message says what is missing."""


def _bin_dir() -> Path:
    """The newest installed PostgreSQL's binaries (Debian's layout, then ``pg_config``)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True
    )
    for candidate in candidates:
        if (candidate / "initdb").exists():
            return candidate
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True)
        bindir = Path(out.stdout.strip())
        if (bindir / "initdb").exists():
            return bindir
    raise ServerUnavailableError(
        "PostgreSQL is not installed (no initdb): `make test` installs Debian's postgresql"
    )


def _spare_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A running server: ``url(db)`` for SQLAlchemy, ``create_database`` for a fresh one."""

    host: str
    port: int
    user: str
    data_dir: Path | None = None
    bin_dir: Path | None = None
    _as_user: Sequence[str] = field(default_factory=tuple)

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """An autocommit connection to the ``postgres`` database."""
        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        )

    def password_role(self, password: str) -> str:
        """``PASSWORD_USER`` with ``password`` (a superuser: it may use every test
        database); returns its name. Only a server from :func:`start` asks for it."""
        with self.admin() as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (PASSWORD_USER,)
            ).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(
                sql.SQL("{} ROLE {} LOGIN SUPERUSER PASSWORD {}").format(
                    sql.SQL(verb), sql.Identifier(PASSWORD_USER), sql.Literal(password)
                )
            )
        return PASSWORD_USER

    def create_database(self, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); returns its name."""
        name = f"refman_{uuid.uuid4().hex[:12]}"
        with self.admin() as conn:
            suffix = f" TEMPLATE {template}" if template else ""
            conn.execute(f"CREATE DATABASE {name}{suffix}")  # type: ignore[arg-type]
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name``, ending its sessions first."""
        with self.admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]

    def stop(self) -> None:
        """Stop a server this module started and delete its files."""
        if self.data_dir is None or self.bin_dir is None:
            return
        subprocess.run(
            [
                *self._as_user,
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def from_environment() -> Server | None:
    """The server named by ``REFMAN_TEST_PG_URL``, if set."""
    value = os.environ.get(PG_URL_VARIABLE)
    if not value:
        return None
    from sqlalchemy.engine import make_url

    url = make_url(value)
    return Server(url.host or "127.0.0.1", url.port or 5432, url.username or SERVER_USER)


def start() -> Server:
    """Start a throwaway server: initdb into a temporary directory, a spare port, fsync off.

    As root the server runs as the ``postgres`` user (PostgreSQL refuses root)."""
    bin_dir = _bin_dir()
    root = Path(tempfile.mkdtemp(prefix="refman-pg-"))
    data_dir = root / "data"
    as_user: tuple[str, ...] = ()
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            raise ServerUnavailableError("running as root without runuser to drop to 'postgres'")
        shutil.chown(root, user=SERVER_USER)
        root.chmod(0o700)
        as_user = (runuser, "-u", SERVER_USER, "--")
    initdb = [
        *as_user,
        str(bin_dir / "initdb"),
        "-D",
        str(data_dir),
        "-U",
        SERVER_USER,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
    ]
    done = subprocess.run(initdb, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ServerUnavailableError(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")
    hba = data_dir / "pg_hba.conf"  # (the first matching line wins)
    hba.write_text(
        f"host all {PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n{hba.read_text()}",
        encoding="utf-8",
    )
    port = _spare_port()
    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={root} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c max_connections=200"
    )
    start_cmd = [
        *as_user,
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data_dir),
        "-o",
        options,
        "-l",
        str(root / "server.log"),
        "-w",
        "-t",
        "30",
        "start",
    ]
    done = subprocess.run(start_cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        log = (
            (root / "server.log").read_text(errors="replace")
            if (root / "server.log").exists()
            else ""
        )
        raise ServerUnavailableError(f"pg_ctl start failed: {done.stderr.strip()} {log[-500:]}")
    return Server("127.0.0.1", port, SERVER_USER, data_dir, bin_dir, as_user)
