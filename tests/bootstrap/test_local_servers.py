"""The project-local PostgreSQL and Redis servers, driven through the real binaries.

These tests start real servers in throw-away folders under /tmp, on ports the kernel hands
out, so they never touch the developer's own .data/ servers. Every server a test starts is
stopped by the test, and anything left behind is killed in a `finally`.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from bootstrap import system
from bootstrap.errors import BootstrapError
from bootstrap.ports import port_in_use
from bootstrap.postgres import LocalPostgres
from bootstrap.redis_server import LocalRedis, redis_ping

ROOT = Path(__file__).resolve().parents[2]
ENV_VARS = ("PORTAL_PG_PORT", "PORTAL_REDIS_PORT", "PORTAL_PG_SHAREDIR", "PORTAL_PG_BINDIR")

pytestmark = pytest.mark.skipif(
    not (system.pg_bindir() / "initdb").exists() or shutil.which("redis-server") is None,
    reason="needs the PostgreSQL 15 binaries and redis-server",
)


# -- helpers -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scratch_dir() -> Path:
    """A folder the `postgres` system user can reach (the cluster runs as that user under root)."""
    path = Path(tempfile.mkdtemp(prefix="portal-bootstrap-", dir="/tmp"))
    path.chmod(0o755)
    return path


def message_of(excinfo) -> str:
    text = str(excinfo.value)
    assert "\n" not in text, f"BootstrapError should be one line: {text!r}"
    return text


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def first_pid(pidfile: Path) -> int:
    try:
        return int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def wait_gone(pid: int, timeout: float = 10) -> bool:
    """Wait for a daemon (reparented to init, so never our zombie) to exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.05)
    return False


def kill_leftover_postgres(pg: LocalPostgres) -> None:
    """Kill this cluster's postmaster if a test left it running; never touches any other process."""
    pid = first_pid(pg.pidfile)
    if pid <= 0 or str(pg.datadir) not in cmdline(pid):
        return
    os.kill(pid, signal.SIGQUIT)  # immediate shutdown: the postmaster takes its children along
    if not wait_gone(pid):
        os.kill(pid, signal.SIGKILL)
        wait_gone(pid)


def kill_leftover_redis(redis: LocalRedis, port: int) -> None:
    pid = first_pid(redis.pidfile)
    line = cmdline(pid)
    if pid <= 0 or "redis-server" not in line or f":{port}" not in line:
        return
    os.kill(pid, signal.SIGKILL)
    wait_gone(pid)


@contextmanager
def listening_socket():
    """Some other program holding a loopback port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@contextmanager
def fake_pidfile(pg: LocalPostgres, pid: int):
    """Write a postmaster.pid naming `pid`, and remove it afterwards if it is still ours."""
    pg.pidfile.write_text(f"{pid}\n{pg.datadir}\n")
    try:
        yield
    finally:
        if first_pid(pg.pidfile) == pid:
            pg.pidfile.unlink()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """The developer's shell may set these; each test sets exactly what it needs."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def scratch():
    path = scratch_dir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def stopped_cluster():
    """One initialised, stopped cluster shared by the tests that need a data directory.

    Tests that start it stop it again and restore any file they changed.
    """
    base = scratch_dir()
    pg = LocalPostgres(base / "pg")
    with pytest.MonkeyPatch.context() as mp:
        for name in ENV_VARS:
            mp.delenv(name, raising=False)
        mp.setenv("PORTAL_PG_PORT", str(free_port()))
        try:
            pg.ensure_running(lambda _msg: None)
            pg.stop(lambda _msg: None)
            assert not pg.running()
        except BaseException:
            kill_leftover_postgres(pg)
            shutil.rmtree(base, ignore_errors=True)
            raise
    try:
        yield pg
    finally:
        kill_leftover_postgres(pg)
        shutil.rmtree(base, ignore_errors=True)


# -- PostgreSQL --------------------------------------------------------------------


def test_fresh_cluster_starts_serves_postgis_and_stops(scratch, monkeypatch):
    port = free_port()
    monkeypatch.setenv("PORTAL_PG_PORT", str(port))
    pg = LocalPostgres(scratch / "pg")
    logs: list[str] = []
    try:
        pg.ensure_running(logs.append)
        assert (pg.datadir / "PG_VERSION").read_text().strip() == "15"
        assert (pg.home / "password").stat().st_mode & 0o777 == 0o600
        assert pg.running()
        assert any("creating" in line for line in logs) and any(str(port) in line for line in logs)

        with psycopg.connect(pg.url("postgres"), autocommit=True, connect_timeout=5) as conn:
            available = {row[0] for row in conn.execute("SELECT name FROM pg_available_extensions")}
            assert "postgis" in available
            conn.execute("CREATE DATABASE bootstrap_probe")
        with psycopg.connect(pg.url("bootstrap_probe"), autocommit=True, connect_timeout=5) as conn:
            conn.execute("CREATE EXTENSION postgis")
            point = conn.execute("SELECT ST_AsText(ST_SetSRID(ST_MakePoint(106.7, 10.8), 4326))").fetchone()[0]
            assert point == "POINT(106.7 10.8)"

        logs.clear()
        started = time.monotonic()
        pg.ensure_running(logs.append)
        assert time.monotonic() - started < 2
        assert logs == [], "a second ensure_running should neither initdb nor start anything"

        pg.stop(logs.append)
        assert not pg.running()
        assert not pg.pidfile.exists()
        assert not port_in_use(port)
    finally:
        pg.stop(lambda _msg: None)
        kill_leftover_postgres(pg)


def test_postgres_port_taken_by_another_program(stopped_cluster, monkeypatch):
    pg = stopped_cluster
    with listening_socket() as port:
        monkeypatch.setenv("PORTAL_PG_PORT", str(port))
        try:
            with pytest.raises(BootstrapError) as excinfo:
                pg.ensure_running(lambda _msg: None)
        finally:
            pg.stop(lambda _msg: None)
            kill_leftover_postgres(pg)
    text = message_of(excinfo)
    assert str(port) in text
    assert "PORTAL_PG_PORT" in text
    assert f"rm {pg.home / 'port'}" in text


@pytest.mark.parametrize("as_cluster_owner", [False, True], ids=["root-process", "owner-process"])
def test_stale_pidfile_naming_another_program(stopped_cluster, monkeypatch, as_cluster_owner):
    """After a crash the PID in postmaster.pid may belong to any process, even one of the cluster's account.

    `pg_ctl status` then reports "running" (the PID is alive and signalable), so bootstrap must
    neither take that as its server being up nor signal that process when stopping.
    """
    pg = stopped_cluster
    monkeypatch.setenv("PORTAL_PG_PORT", str(free_port()))
    other = subprocess.Popen(["sleep", "30"], user=pg._owner() if as_cluster_owner else None)
    try:
        with fake_pidfile(pg, other.pid):
            with pytest.raises(BootstrapError) as excinfo:
                pg.ensure_running(lambda _msg: None)
            assert not pg.running()
            pg.stop(lambda _msg: None)
            assert other.poll() is None, "the unrelated process must be left alone"
    finally:
        other.kill()
        other.wait()
        pg.stop(lambda _msg: None)
        kill_leftover_postgres(pg)
    text = message_of(excinfo)
    assert "stale" in text
    assert str(other.pid) in text
    assert f"rm {pg.pidfile}" in text


def test_pidfile_with_a_dead_pid_does_not_block_startup(stopped_cluster, monkeypatch):
    pg = stopped_cluster
    port = free_port()
    monkeypatch.setenv("PORTAL_PG_PORT", str(port))
    gone = subprocess.Popen(["true"])
    gone.wait()
    try:
        with fake_pidfile(pg, gone.pid):
            pg.ensure_running(lambda _msg: None)
            assert pg.running()
            assert first_pid(pg.pidfile) != gone.pid
            with psycopg.connect(pg.url("postgres"), connect_timeout=5) as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
        pg.stop(lambda _msg: None)
        assert not pg.running()
        assert not port_in_use(port)
    finally:
        pg.stop(lambda _msg: None)
        kill_leftover_postgres(pg)


def test_missing_postgis_is_reported_before_anything_is_created(scratch, monkeypatch):
    empty_share = scratch / "share"
    empty_share.mkdir()
    monkeypatch.setenv("PORTAL_PG_SHAREDIR", str(empty_share))
    monkeypatch.setenv("PORTAL_PG_PORT", str(free_port()))
    pg = LocalPostgres(scratch / "pg")
    with pytest.raises(BootstrapError) as excinfo:
        pg.ensure_running(lambda _msg: None)
    text = message_of(excinfo)
    assert "PostGIS" in text
    assert "apt-get install -y postgresql-15-postgis-3" in text
    assert not pg.home.exists()


# -- Redis -------------------------------------------------------------------------


def test_redis_starts_answers_and_stops(scratch, monkeypatch):
    port = free_port()
    monkeypatch.setenv("PORTAL_REDIS_PORT", str(port))
    redis = LocalRedis(scratch / "redis")
    logs: list[str] = []
    try:
        redis.ensure_running(logs.append)
        assert redis_ping(port)
        assert redis.url() == f"redis://127.0.0.1:{port}/0"
        assert "redis-server" in cmdline(first_pid(redis.pidfile))

        logs.clear()
        redis.ensure_running(logs.append)
        assert logs == []

        redis.stop(logs.append)
        assert not redis_ping(port)
        assert not port_in_use(port)
    finally:
        redis.stop(lambda _msg: None)
        kill_leftover_redis(redis, port)


def test_redis_port_taken_by_another_program(scratch, monkeypatch):
    redis = LocalRedis(scratch / "redis")
    with listening_socket() as port:
        monkeypatch.setenv("PORTAL_REDIS_PORT", str(port))
        try:
            with pytest.raises(BootstrapError) as excinfo:
                redis.ensure_running(lambda _msg: None)
        finally:
            redis.stop(lambda _msg: None)
            kill_leftover_redis(redis, port)
    text = message_of(excinfo)
    assert str(port) in text
    assert "PORTAL_REDIS_PORT" in text
    assert f"rm {redis.home / 'port'}" in text
    assert not redis.pidfile.exists()


# -- system packages and the command line ------------------------------------------


def test_no_system_packages_missing_here(monkeypatch):
    assert system.missing_packages() == []

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"ensure_system_packages ran {args!r} with nothing missing")

    monkeypatch.setattr(system.subprocess, "run", no_subprocess)
    logs: list[str] = []
    system.ensure_system_packages(logs.append)
    assert logs == []


def test_unknown_command_prints_usage_and_exits_2():
    python = shutil.which("python3") or sys.executable  # bootstrap must run on a bare python3
    result = subprocess.run([python, "-m", "bootstrap", "no-such-command"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "usage: python3 -m bootstrap {setup,run,test,stop}" in result.stderr
    assert result.stdout == ""
