"""A project-local PostgreSQL cluster under .data/pg, started with the system's binaries.

PostgreSQL refuses to run as root, so when bootstrap is root the cluster belongs to the
`postgres` system user (or a `gisportal` user made for it). Connections go over loopback TCP
with a password generated at initdb and kept in .data/pg/password (mode 0600).
"""

import os
import pwd
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from .errors import BootstrapError
from .ports import port_in_use, remembered_port
from .system import pg_bindir, postgis_control

__all__ = ["LocalPostgres"]

SUPERUSER = "gisportal"
DEFAULT_PORT = 55432


@dataclass
class LocalPostgres:
    home: Path  # .data/pg

    @property
    def datadir(self) -> Path:
        return self.home / "data"

    @property
    def logfile(self) -> Path:
        return self.home / "postgres.log"

    @property
    def pidfile(self) -> Path:
        return self.datadir / "postmaster.pid"

    # -- who runs it -------------------------------------------------------------
    def _owner(self) -> str | None:
        """The unprivileged account to run as, or None when we are not root."""
        if os.geteuid() != 0:
            return None
        for name in ("postgres", "gisportal"):
            try:
                pwd.getpwnam(name)
                return name
            except KeyError:
                continue
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "gisportal"],
                       check=True, capture_output=True)
        return "gisportal"

    def _as_owner(self, cmd: list[str]) -> list[str]:
        owner = self._owner()
        return cmd if owner is None else ["runuser", "-u", owner, "--", *cmd]

    def _pg(self, tool: str) -> str:
        path = pg_bindir() / tool
        if not path.exists():
            raise BootstrapError(f"{path} not found: apt-get install -y postgresql-15")
        return str(path)

    # -- state -------------------------------------------------------------------
    def port(self) -> int:
        return remembered_port(self.home, "PORTAL_PG_PORT", DEFAULT_PORT)

    def password(self) -> str:
        return (self.home / "password").read_text().strip()

    def url(self, dbname: str) -> str:
        return f"postgres://{SUPERUSER}:{quote(self.password(), safe='')}@127.0.0.1:{self.port()}/{dbname}"

    def running(self) -> bool:
        # pg_ctl status only asks whether the PID is alive; after a crash it may belong to another program
        if not self.pidfile.exists() or b"postgres" not in self._pidfile_cmdline()[1]:
            return False
        result = subprocess.run(self._as_owner([self._pg("pg_ctl"), "status", "-D", str(self.datadir)]),
                                capture_output=True, text=True)
        return result.returncode == 0

    # -- actions -----------------------------------------------------------------
    def ensure_running(self, log) -> None:
        if not postgis_control().exists():
            raise BootstrapError(
                "PostGIS for PostgreSQL 15 is not installed: apt-get install -y postgresql-15-postgis-3")
        self.home.mkdir(parents=True, exist_ok=True)
        self._hand_over()
        if not (self.datadir / "PG_VERSION").exists():
            self._initdb(log)
        if self.running():
            return
        self._check_pidfile()
        port = self.port()
        if port_in_use(port):
            raise BootstrapError(
                f"port {port} on 127.0.0.1 is taken by another program; free it, or pick another with "
                f"PORTAL_PG_PORT=<port> (or rm {self.home / 'port'} to let bootstrap choose)")
        log(f"starting local PostgreSQL on 127.0.0.1:{port} ({self.datadir})")
        options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        result = subprocess.run(
            self._as_owner([self._pg("pg_ctl"), "start", "-D", str(self.datadir), "-l", str(self.logfile),
                            "-w", "-t", "60", "-o", options]),
            capture_output=True, text=True)
        if result.returncode != 0:
            raise BootstrapError(f"PostgreSQL did not start: {self._last_log_line()} (log: {self.logfile})")

    def stop(self, log) -> None:
        if not self.datadir.exists() or not self.running():
            return
        log("stopping local PostgreSQL")
        subprocess.run(self._as_owner([self._pg("pg_ctl"), "stop", "-D", str(self.datadir), "-m", "fast", "-w"]),
                       capture_output=True, text=True, check=False)

    def _hand_over(self) -> None:
        owner = self._owner()
        if owner is None:
            return
        shutil.chown(self.home, user=owner)
        self.home.chmod(0o700)
        probe = subprocess.run(["runuser", "-u", owner, "--", "test", "-w", str(self.home)], capture_output=True)
        if probe.returncode != 0:
            raise BootstrapError(
                f"user '{owner}' cannot reach {self.home}: a parent folder is closed to others; "
                f"run 'chmod o+x' on the parent folders, clone elsewhere, or set DATABASE_URL to a running server")

    def _initdb(self, log) -> None:
        log(f"creating local PostgreSQL cluster in {self.datadir}")
        pwfile = self.home / "password"
        pwfile.write_text(secrets.token_urlsafe(24) + "\n")
        pwfile.chmod(0o600)
        owner = self._owner()
        if owner is not None:
            shutil.chown(pwfile, user=owner)
        result = subprocess.run(
            self._as_owner([self._pg("initdb"), "-D", str(self.datadir), "-U", SUPERUSER, f"--pwfile={pwfile}",
                            "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8",
                            "--locale=C.UTF-8"]),
            capture_output=True, text=True)
        if result.returncode != 0:
            shutil.rmtree(self.datadir, ignore_errors=True)
            last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise BootstrapError(f"initdb failed: {last[0]}")

    def _check_pidfile(self) -> None:
        """A postmaster.pid left by a crash whose PID now belongs to another process blocks startup."""
        if not self.pidfile.exists():
            return
        pid, cmdline = self._pidfile_cmdline()
        if cmdline and b"postgres" not in cmdline:
            raise BootstrapError(
                f"stale pid file {self.pidfile}: PID {pid} is another program, not this cluster's PostgreSQL; "
                f"remove it with: rm {self.pidfile}")

    def _pidfile_cmdline(self) -> tuple[int, bytes]:
        """The PID in postmaster.pid and its /proc command line (b"" when no such process is alive)."""
        try:
            pid = int(self.pidfile.read_text().splitlines()[0])
            return pid, Path(f"/proc/{pid}/cmdline").read_bytes() if pid > 0 else b""
        except (OSError, ValueError, IndexError):
            return 0, b""

    def _last_log_line(self) -> str:
        if not self.logfile.exists():
            return "no log"
        lines = [line for line in self.logfile.read_text(errors="replace").splitlines() if line.strip()]
        errors = [line for line in lines if "FATAL" in line or "ERROR" in line] or lines
        return errors[-1] if errors else "no log"
