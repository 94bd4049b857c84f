"""A project-local redis-server under .data/redis, used when REDIS_URL is unset."""

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import BootstrapError
from .ports import port_in_use, remembered_port

__all__ = ["LocalRedis", "redis_ping"]

DEFAULT_PORT = 56379


def redis_ping(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class LocalRedis:
    home: Path  # .data/redis

    @property
    def pidfile(self) -> Path:
        return self.home / "redis.pid"

    def port(self) -> int:
        return remembered_port(self.home, "PORTAL_REDIS_PORT", DEFAULT_PORT)

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port()}/0"

    def _ours(self) -> bool:
        if not self.pidfile.exists():
            return False
        try:
            pid = int(self.pidfile.read_text().strip())
        except ValueError:
            return False
        cmdline = Path(f"/proc/{pid}/cmdline")
        return cmdline.exists() and b"redis-server" in cmdline.read_bytes()

    def ensure_running(self, log) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        port = self.port()
        if self._ours() and redis_ping(port):
            return
        if port_in_use(port):
            raise BootstrapError(
                f"port {port} on 127.0.0.1 is taken by another program; free it, or pick another with "
                f"PORTAL_REDIS_PORT=<port> (or rm {self.home / 'port'} to let bootstrap choose)")
        server = shutil.which("redis-server")
        if server is None:
            raise BootstrapError("redis-server is missing: apt-get install -y redis-server")
        log(f"starting local Redis on 127.0.0.1:{port} ({self.home})")
        subprocess.run([server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(self.home),
                        "--daemonize", "yes", "--pidfile", str(self.pidfile),
                        "--logfile", str(self.home / "redis.log"), "--save", "", "--appendonly", "no"],
                       check=True, capture_output=True)
        for _ in range(50):
            if redis_ping(port):
                return
            time.sleep(0.1)
        raise BootstrapError(f"Redis did not answer on port {port}; see {self.home / 'redis.log'}")

    def stop(self, log) -> None:
        if not self._ours():
            return
        log("stopping local Redis")
        try:
            with socket.create_connection(("127.0.0.1", self.port()), timeout=1) as sock:
                sock.sendall(b"SHUTDOWN NOSAVE\r\n")
                sock.recv(16)
        except OSError:
            pass  # the connection drops as the server exits, which is the point
