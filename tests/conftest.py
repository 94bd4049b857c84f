"""Shared fixtures: the real boundary files, a real Celery worker, a real ASGI server, Chromium."""

import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_use_migrations, django_db_keepdb,
                    django_db_createdb, django_db_modify_db_settings):
    """The test database, always.

    pytest-django sets up only the databases that collected tests ask for through `db` or a marker. The
    fixtures below commit for real (committed, portal_server, celery_worker), so a run of only tests that use
    them would otherwise read and write the development database named in DATABASE_URL.
    """
    from django.test.utils import setup_databases, teardown_databases

    if not django_db_use_migrations:
        pytest.fail("the test database is built by the migrations; --nomigrations is not supported")
    keepdb = django_db_keepdb and not django_db_createdb
    # Tests that flush the database (transaction=True) empty what the migrations wrote too (land-use codes,
    # roles); _restore_after_flush puts it back from a copy serialized here.
    serialized = {"default"} if any(_flushes(item) for item in request.session.items) else set()
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=request.config.option.verbose, interactive=False, keepdb=keepdb,
                                 aliases={"default"}, serialized_aliases=serialized)
        from django.db import connection

        # Kept here: a test run inside Playwright's loop sees a connection object of its own, without it.
        _MIGRATED_ROWS.append(getattr(connection, "_test_serialized_contents", None))
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            try:
                teardown_databases(config, verbosity=request.config.option.verbose)
            except DatabaseError as exc:  # a server's session still closing; the next run recreates it
                warnings.warn(f"the test database was left behind: {exc}", stacklevel=1)


_MIGRATED_ROWS: list = []


def _flushes(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or "transactional_db" in fixtures \
        or "live_server" in fixtures


@pytest.fixture(autouse=True)
def _restore_after_flush(request, django_db_blocker):
    """After a test that flushed the tables, the migrations' rows come back for the tests that follow it.

    pytest-django runs such tests before those that use only `committed` and the servers, which would
    otherwise find no land-use codes and no roles.
    """
    yield
    if _flushes(request.node) and _MIGRATED_ROWS and _MIGRATED_ROWS[0]:
        from django.db import connection

        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(_MIGRATED_ROWS[0])


@pytest.fixture(scope="session")
def boundaries() -> Path:
    path = settings.SHARED_DATA_DIR / "boundaries"
    assert path.is_dir(), f"the shared data is missing at {path} (set SHARED_DATA_DIR)"
    return path


@pytest.fixture(scope="session")
def admin_units(django_db_setup, django_db_blocker, boundaries):
    """Provinces and districts of Việt Nam and the communes of Ninh Thuận, committed once for the session."""
    from fixtures.admin_units import DEMO_ADMIN_SOURCES
    from layers.admin_units_import import FieldMapping, import_admin_units

    with django_db_blocker.unblock():
        for src in DEMO_ADMIN_SOURCES[:3]:
            import_admin_units(boundaries / src.file, level=src.level, code_prefix=src.code_prefix,
                               mapping=FieldMapping.parse(list(src.mapping)))


def _test_database_url() -> str:
    from django.db import connection

    cfg = connection.settings_dict
    password = f":{cfg['PASSWORD']}" if cfg.get("PASSWORD") else ""
    return f"postgres://{cfg['USER']}{password}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"


@pytest.fixture
def test_database_url(django_db_setup) -> str:
    """A libpq URL of the test run's database, for code that connects by itself."""
    return _test_database_url()


def _child_env() -> dict[str, str]:
    return dict(os.environ, DJANGO_SETTINGS_MODULE="portal.settings.test", DATABASE_URL=_test_database_url(),
                CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE, PYTHONUNBUFFERED="1")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Rows other processes (a worker, the served portal) can see: committed for real, removed afterwards."""
    with django_db_blocker.unblock():
        made = []
        yield made
        for obj in reversed(made):
            type(obj).objects.filter(pk=obj.pk).delete()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, tmp_path_factory):
    """A real `celery worker` process on the test queue, using the test database."""
    from portal.celery import app

    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel=INFO", "--pool=solo",
             "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--hostname", f"test-{os.getpid()}@%h"],
            cwd=ROOT, env=_child_env(), stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"celery worker exited: {log.read_text()[-2000:]}")
        if app.control.ping(timeout=0.5):
            break
    else:
        _stop(proc)
        pytest.fail(f"celery worker did not answer within 60 s: {log.read_text()[-2000:]}")
    yield proc
    _stop(proc)


@pytest.fixture
def spawn_worker(django_db_setup):
    """Start Celery workers of the test's own: spawn(queue, **env) -> process. Each runs in a process group of its
    own, so a test can kill it whole (os.killpg, SIGKILL) as when its machine dies; all are stopped at the end."""
    started: list[subprocess.Popen] = []

    def spawn(queue: str, **env: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "-Q", queue,
             "--loglevel=WARNING", "--hostname", f"{queue}-{len(started)}@%h"],
            cwd=ROOT, env={**_child_env(), "CELERY_QUEUE": queue, **env}, start_new_session=True)
        started.append(proc)
        return proc

    yield spawn
    for proc in started:
        if proc.poll() is None:
            _stop(proc)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    """uvicorn serving the portal (ASGI) as `make run` does, with this environment; (process, base URL)."""
    port = _free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "portal.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"uvicorn exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    return proc, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def portal_server(django_db_setup, tmp_path_factory):
    """The portal served by uvicorn (ASGI), as `make run` serves it, on the test database."""
    proc, base = _serve(_child_env(), tmp_path_factory.mktemp("web") / "uvicorn.log")
    yield base
    _stop(proc)


@pytest.fixture
def serve_portal(django_db_setup, tmp_path):
    """Start the portal with some environment changed (another database, a Redis that is down): base URL.

    Every server started is stopped when the test ends."""
    started = []

    def serve(**env: str) -> str:
        proc, base = _serve({**_child_env(), **env}, tmp_path / f"uvicorn-{len(started)}.log")
        started.append(proc)
        return base

    yield serve
    for proc in started:
        _stop(proc)


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (Playwright cannot download its own browser here).

    Module-scoped: Playwright's sync API keeps an event loop running, and Django refuses database
    calls while one runs, so browser tests talk to the server over HTTP only.
    """
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "chromium is missing: bootstrap installs it (apt-get install -y chromium)"
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls around the
    # browser steps are still plain sequential code, so Django's async guard is lifted meanwhile.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
