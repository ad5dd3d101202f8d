"""A real PostgreSQL server from Debian's packages, started on loopback for the tests.

``initdb`` into a temporary folder (as the ``postgres`` user through ``runuser`` when the tests run
as root: the server refuses root), a free port, the socket in that folder, listening on 127.0.0.1
only, trust authentication for the test user, plus one user with a password for the credential tests.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PASSWORD", "PASSWORD_USER", "PostgresServer", "columns", "execute", "find_bin", "refuse_inserts"]

PASSWORD_USER = "wb_secret_user"
PASSWORD = "s3cr3t-Pw-" + "9d7f2b"
"""The password of :data:`PASSWORD_USER`, which must never appear in any output."""


def find_bin() -> Path:
    """The folder of Debian's PostgreSQL programs; an AssertionError naming ``make postgres`` when missing."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run `make postgres`"
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    """One running server; :meth:`database` makes a fresh database and returns its URL."""

    bin: Path
    folder: Path
    port: int
    user: str = "workbench"

    @classmethod
    def start(cls, folder: Path | None = None) -> PostgresServer:
        """initdb and start a server in ``folder`` (an empty one), else in a new temporary folder."""
        binary = find_bin()
        folder = folder if folder is not None else Path(tempfile.mkdtemp(prefix="wb-pg-"))
        server = cls(binary, folder, _free_port())
        data = folder / "data"
        server._as_owner([str(binary / "initdb"), "-D", str(data), "-A", "trust", "-U", server.user, "-E", "UTF8",
                          "--no-sync"])  # fmt: skip
        options = f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=on"
        server._as_owner([str(binary / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"),
                          "-w", "start"])  # fmt: skip
        server.sql(f"CREATE ROLE {PASSWORD_USER} LOGIN SUPERUSER PASSWORD '{PASSWORD}'")
        server._require_password_for(PASSWORD_USER)
        return server

    def _as_owner(self, command: list[str]) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def _require_password_for(self, user: str) -> None:
        hba = self.folder / "data" / "pg_hba.conf"
        rule = f"host all {user} 127.0.0.1/32 scram-sha-256\n"
        hba.write_text(rule + hba.read_text())
        self.sql("SELECT pg_reload_conf()")

    @property
    def base(self) -> str:
        """The server's URL without a database."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}"

    def sql(self, statement: str, database: str = "postgres") -> list[tuple[object, ...]]:
        """Run one statement as the superuser (autocommit); its rows."""
        import psycopg

        with psycopg.connect(f"{self.base}/{database}", autocommit=True) as conn:
            cur = conn.execute(statement)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def database(self) -> str:
        """A new empty database; its URL."""
        name = "t_" + uuid.uuid4().hex[:12]
        self.sql(f"CREATE DATABASE {name}")
        return f"{self.base}/{name}"

    def halt(self) -> None:
        """Stop the server, keeping its data (as a server that went down)."""
        self._as_owner([str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop"])

    def resume(self) -> None:
        """Start it again on the same port, with the same data."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._as_owner([str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-o", options, "-l",
                        str(self.folder / "server.log"), "-w", "start"])  # fmt: skip

    def with_password(self, url: str, password: str = PASSWORD) -> str:
        """``url`` as :data:`PASSWORD_USER` with ``password`` in it."""
        return url.replace(f"//{self.user}@", f"//{PASSWORD_USER}:{password}@", 1)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        try:
            self._as_owner([str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop"])
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def execute(location: Path | str, statement: str) -> list[tuple[object, ...]]:
    """Run one statement straight on a run log, SQLite file or PostgreSQL URL, as another program would."""
    if isinstance(location, str) and location.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(location, autocommit=True) as conn:
            cur = conn.execute(statement)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []
    import sqlite3

    conn = sqlite3.connect(location)
    try:
        rows = conn.execute(statement).fetchall()
        conn.commit()
        return rows
    finally:
        conn.close()


def columns(location: Path | str) -> list[str]:
    """The columns of a run log's ``calls`` table."""
    if isinstance(location, str):
        query = "SELECT column_name FROM information_schema.columns WHERE table_name = 'calls'"
        return [str(row[0]) for row in execute(location, query)]
    return [str(row[1]) for row in execute(location, "PRAGMA table_info(calls)")]


REFUSE = {
    "sqlite": ["CREATE TRIGGER refuse BEFORE INSERT ON calls BEGIN SELECT RAISE(FAIL, 'disk full'); END"],
    "postgresql": [
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$",
        "CREATE TRIGGER refuse BEFORE INSERT ON calls FOR EACH ROW EXECUTE FUNCTION refuse()",
    ],
}
"""Statements that make a run log refuse every insert, per backend; ``DROP TRIGGER refuse ...`` undoes them."""


def refuse_inserts(location: Path | str, refuse: bool = True) -> None:
    """Make the log refuse every insert (as a full disk would), or take that back."""
    kind = "postgresql" if isinstance(location, str) else "sqlite"
    if refuse:
        for statement in REFUSE[kind]:
            execute(location, statement)
    else:
        execute(location, "DROP TRIGGER refuse" + (" ON calls" if kind == "postgresql" else ""))
