"""Run the web server, a Celery worker and Celery beat together until interrupted."""

import os
import signal
import subprocess
import sys
import time

from .paths import DATA, ROOT, VENV

__all__ = ["serve"]


def serve(env: dict[str, str], log) -> int:
    bindir = VENV / "bin"
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    commands = {
        "worker": [str(bindir / "celery"), "-A", "portal", "worker", "--loglevel=INFO", "--concurrency=2"],
        "beat": [str(bindir / "celery"), "-A", "portal", "beat", "--loglevel=INFO",
                 f"--schedule={DATA / 'celerybeat-schedule'}"],
        "web": [str(bindir / "uvicorn"), "portal.asgi:application", "--host", host, "--port", port],
    }
    procs = {name: subprocess.Popen(cmd, cwd=ROOT, env=env) for name, cmd in commands.items()}
    log(f"portal at http://{host}:{port}  (worker and beat running; Ctrl-C stops all three)")

    def stop(*_):
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(proc.poll() is None for proc in procs.values()):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    stop()
    for proc in procs.values():
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    dead = [name for name, proc in procs.items() if proc.returncode not in (0, -signal.SIGTERM, None)]
    if dead:
        print(f"bootstrap: {', '.join(dead)} exited with an error", file=sys.stderr)
        return 1
    return 0
