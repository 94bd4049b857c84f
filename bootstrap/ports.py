"""Loopback port helpers."""

import os
import socket
from pathlib import Path

__all__ = ["port_in_use", "free_port", "remembered_port"]


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port(preferred: int) -> int:
    for port in range(preferred, preferred + 100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError(f"no free loopback port in {preferred}-{preferred + 99}")


def remembered_port(home: Path, env_var: str, default: int) -> int:
    """The port named by `env_var`, else the one chosen on first start and kept in home/port."""
    wanted = os.environ.get(env_var)
    if wanted:
        return int(wanted)
    port_file = home / "port"
    if port_file.exists():
        return int(port_file.read_text().strip())
    port = free_port(default)
    port_file.write_text(f"{port}\n")
    return port
