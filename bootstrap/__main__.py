"""Entry point for the Makefile: python3 -m bootstrap {setup,run,test,stop,env}."""

import importlib.util
import os
import subprocess
import sys
import time

from .errors import BootstrapError
from .paths import DATA, ENV_FILE, ROOT, VENV, VENV_PYTHON
from .postgres import LocalPostgres
from .python_env import ensure_node_modules, ensure_venv
from .redis_server import LocalRedis
from .system import ensure_system_packages

DBNAME = "gisportal"


def log(message: str) -> None:
    print(f"bootstrap: {message}", flush=True)


def _servers_env() -> dict[str, str]:
    """DATABASE_URL and REDIS_URL: the caller's when set, else the project-local servers."""
    DATA.mkdir(exist_ok=True)
    urls = {}
    if os.environ.get("DATABASE_URL"):
        urls["DATABASE_URL"] = os.environ["DATABASE_URL"]
    else:
        pg = LocalPostgres(DATA / "pg")
        pg.ensure_running(log)
        urls["DATABASE_URL"] = pg.url(DBNAME)
    if os.environ.get("REDIS_URL"):
        urls["REDIS_URL"] = os.environ["REDIS_URL"]
    else:
        redis = LocalRedis(DATA / "redis")
        redis.ensure_running(log)
        urls["REDIS_URL"] = redis.url()
    return urls


def _write_env_file(urls: dict[str, str]) -> None:
    """So that a hand-run `.venv/bin/python manage.py …` finds the same servers."""
    ENV_FILE.write_text("".join(f"{key}={value}\n" for key, value in urls.items()))
    ENV_FILE.chmod(0o600)


def _compile_messages() -> None:
    for po in ROOT.glob("*/locale/*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)


def _build_map_assets() -> None:
    """Glyphs and sprites for the map, rebuilt only when fonts, icons or their builder changed."""
    # The up-to-date check is standard library only: loaded alone, it costs no venv start.
    spec = importlib.util.spec_from_file_location("_map_assets_build", ROOT / "portal" / "mapassets" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    try:
        if build.is_current():
            return
    except FileNotFoundError as exc:
        raise BootstrapError(str(exc)) from exc
    result = subprocess.run([str(VENV_PYTHON), "-m", "portal.mapassets"], cwd=ROOT, text=True,
                            stdout=None, stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise BootstrapError(result.stderr.strip().splitlines()[-1].removeprefix("bootstrap: ")
                             if result.stderr.strip() else "building the map assets failed")


def _venv(cmd: list[str], env: dict[str, str]) -> int:
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


def setup() -> dict[str, str]:
    started = time.monotonic()
    ensure_system_packages(log)
    ensure_venv(log)
    ensure_node_modules(log)
    _compile_messages()
    _build_map_assets()
    urls = _servers_env()
    result = subprocess.run([str(VENV_PYTHON), "-m", "bootstrap.database", urls["DATABASE_URL"]],
                            cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise BootstrapError(result.stderr.strip().removeprefix("bootstrap: ") or "database check failed")
    _write_env_file(urls)
    env = dict(os.environ, **urls)
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.pop("VIRTUAL_ENV", None)
    log(f"ready in {time.monotonic() - started:.1f} s")
    return env


def run() -> int:
    from .serve import serve

    env = setup()
    env.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    manage = [str(VENV_PYTHON), "manage.py"]
    for step in (["migrate", "--noinput", "--verbosity=0"], ["load_demo"]):
        if _venv([*manage, *step], env) != 0:
            raise BootstrapError(f"'manage.py {step[0]}' failed (see above)")
    return serve(env, log)


def test(args: list[str]) -> int:
    env = setup()
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    if _venv([str(VENV / "bin" / "ruff"), "check", "."], env) != 0:
        return 1
    return _venv([str(VENV_PYTHON), "-m", "pytest", *args], env)


def stop() -> int:
    LocalPostgres(DATA / "pg").stop(log)
    LocalRedis(DATA / "redis").stop(log)
    return 0


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "setup"
    try:
        if command == "setup":
            setup()
            return 0
        if command == "run":
            return run()
        if command == "test":
            return test(argv[2:])
        if command == "stop":
            return stop()
    except BootstrapError as exc:
        print(f"bootstrap: {exc}", file=sys.stderr)
        return 2
    print("usage: python3 -m bootstrap {setup,run,test,stop}", file=sys.stderr)
    return 2


sys.exit(main(sys.argv))
