"""Processes the tile benchmark starts and stops itself, on 127.0.0.1 only, and the two ways it loads them:
one keep-alive client timing each request, and a bounded `wrk` run cycling through a list of paths."""

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"
HEADERS = {"Accept-Encoding": "gzip"}  # as MapLibre in a browser asks


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def answers(port: int, path: str) -> bool:
    """True once something on the port answers the path without a server error."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status < 500
    except OSError:
        return False
    finally:
        conn.close()


@contextmanager
def started(name: str, cmd: list[str], *, env: dict[str, str], cwd: Path, log_dir: Path,
            ready: Callable[[], bool], timeout: float = 120) -> Iterator[subprocess.Popen]:
    """Run cmd in its own process group until the block ends; ready() says when it serves."""
    log_path = log_dir / f"{name}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while not ready():
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text()[-1500:]
                    raise RuntimeError(f"{name} did not start (see {log_path}):\n{tail}")
                time.sleep(0.2)
            yield proc
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    # The group is the one this process made for it: uvicorn's supervisor and its workers.
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# uvicorn's CLI, with the listener that `--workers N` binds made an IPPROTO_TCP socket. Stock, it is made with
# proto 0, accepted sockets inherit that, and asyncio then never sets TCP_NODELAY on them: Nagle's algorithm
# meets the client's delayed ACK and every keep-alive request after the first waits ~40 ms (Linux; uvicorn
# issue #3149, open). A single worker is unaffected: asyncio binds that socket itself.
_NODELAY_UVICORN = """\
import socket, sys
import uvicorn.config, uvicorn.main

def bind_tcp(config):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((config.host, config.port))
    sock.set_inheritable(True)
    return sock

uvicorn.config.Config.bind_socket = bind_tcp
sys.argv[0] = "uvicorn"
uvicorn.main.main()
"""


def uvicorn(app: str, *, python: str, port: int, workers: int, nodelay: bool = True) -> list[str]:
    """The command serving app; nodelay=False runs uvicorn exactly as shipped, delayed ACKs and all."""
    launcher = ["-c", _NODELAY_UVICORN] if nodelay and workers > 1 else ["-m", "uvicorn"]
    # uvloop and httptools spelled out: the portal ships them (40-50% more cached tiles a second than asyncio
    # and h11, measured), tipg's venv gets the same versions, and both servers must match.
    return [python, *launcher, app, "--host", LOOPBACK, "--port", str(port), "--workers", str(workers),
            "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]


def miss_only_redis(port: int) -> list[str]:
    """A real Redis that answers every GET with nothing and refuses every SET (maxmemory of one byte):
    a cache that never hits, to load the uncached path with `wrk` for as long as the run lasts."""
    return ["redis-server", "--bind", LOOPBACK, "--port", str(port), "--save", "", "--appendonly", "no",
            "--maxmemory", "1", "--maxmemory-policy", "noeviction"]


@dataclass
class Reply:
    status: int
    body: bytes  # as sent: gzip-compressed when content_encoding says so
    content_encoding: str
    seconds: float


def timed_pass(port: int, paths: list[str]) -> list[Reply]:
    """GET each path once, in order, on one keep-alive connection."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=120)
    replies = []
    try:
        for path in paths:
            started_at = time.perf_counter()
            conn.request("GET", path, headers=HEADERS)
            response = conn.getresponse()
            body = response.read()
            seconds = time.perf_counter() - started_at
            replies.append(Reply(response.status, body, response.getheader("Content-Encoding", ""), seconds))
            if response.will_close:
                conn.close()
    finally:
        conn.close()
    return replies


_WRK_SCRIPT = """\
-- Generated by bench/servers.py: every thread walks its own stride of the list, round and round.
wrk.headers["Accept-Encoding"] = "gzip"
%(headers)s
local method, body = "%(method)s", %(body)s
local paths = {
%(paths)s
}
local count = #paths
local threads = 0

function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end

function init(args)
  stride = tonumber(args[1])
  position = first
end

function request()
  local path = paths[(position %% count) + 1]
  position = position + stride
  return wrk.format(method, path, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass
class Load:
    requests: int
    seconds: float
    errors: int  # socket errors and time-outs
    http_errors: int  # 4xx and 5xx
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        """Tiles served per second: answers with an error status do not count."""
        return (self.requests - self.http_errors) / self.seconds if self.seconds else 0.0


def _lua(text: str) -> str:
    """A Lua string literal of ASCII text (JSON's escapes of quotes, backslashes and controls are Lua's too)."""
    text.encode("ascii")
    return json.dumps(text)


def wrk(port: int, paths: list[str], *, script: Path, threads: int, connections: int, seconds: int,
        method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None) -> Load:
    """A bounded wrk run on loopback, cycling through the paths (the same body and headers on each)."""
    script.write_text(_WRK_SCRIPT % {
        "paths": ",\n".join(f"  {_lua(p)}" for p in paths), "method": method,
        "body": "nil" if body is None else _lua(body.decode("ascii")),
        "headers": "\n".join(f"wrk.headers[{_lua(k)}] = {_lua(v)}" for k, v in (headers or {}).items())})
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script),
           f"http://{LOOPBACK}:{port}", "--", str(threads)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((line for line in result.stdout.splitlines() if line.startswith("BENCH ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {result.stdout[-800:]}{result.stderr[-800:]}")
    requests, micros, errors, http_errors, p50, p99 = (int(v) for v in line.split()[1:])
    return Load(requests, micros / 1e6, errors, http_errors, p50 / 1000, p99 / 1000)
