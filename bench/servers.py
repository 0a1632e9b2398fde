"""What the benchmarks drive: the app under gunicorn with the Procfile's settings, a
static server over `mapapp export`, and wrk; all on loopback, all stopped at exit."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 60,
             interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(interval)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def procfile_command() -> list[str]:
    """The Procfile's `web:` command, bound to loopback instead of all interfaces."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines()
                if line.startswith("web:"))
    command = shlex.split(line.removeprefix("web:"))
    command[0] = str(Path(sys.executable).with_name(command[0]))
    return command


@contextmanager
def catalogue_server(data_dir: Path, **settings: str
                     ) -> Iterator[tuple[str, subprocess.Popen, float]]:
    """The app on `data_dir` (and any other `settings`) as the Procfile runs it, on a free
    loopback port: its base URL, its process and the seconds from launch to its first
    /healthz answer. Stopped on leaving."""
    port = free_port()
    base = f"http://{LOOPBACK}:{port}"
    env = {**os.environ, "MAPAPP_DATA_DIR": str(data_dir), **settings, "PORT": str(port)}
    began = time.perf_counter()
    process = subprocess.Popen([*procfile_command(), "--bind", f"{LOOPBACK}:{port}"],
                               cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(base + "/healthz", process, timeout=1800, interval=0.1)
        yield base, process, time.perf_counter() - began
    finally:
        process.terminate()
        process.wait(timeout=60)


@contextmanager
def running(command: list[str], ready_url: str,
            env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """A server process, once `ready_url` answers; stopped (SIGTERM) on leaving."""
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_for(ready_url, process)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def gunicorn(command: list[str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """gunicorn with the Procfile's settings (or `command`) on a free loopback port."""
    port = free_port()
    command = (command or procfile_command()) + ["--bind", f"{LOOPBACK}:{port}"]
    base = f"http://{LOOPBACK}:{port}"
    with running(command, base + "/healthz", {**os.environ, "PORT": str(port)}) as process:
        yield base, process


@contextmanager
def exported_site() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp).chmod(0o755)  # nginx's workers run as another user
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, "-m", "mapapp.cli", "export", str(site)], check=True,
                       stdout=subprocess.DEVNULL)
        yield site


NGINX_CONF = """
worker_processes auto;
daemon off;
pid {run}/nginx.pid;
error_log {run}/error.log;
events {{ worker_connections 1024; }}
http {{
    types {{ text/html html; text/javascript js; text/css css; application/geo+json geojson;
            application/json json; }}
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {run}; proxy_temp_path {run}; fastcgi_temp_path {run};
    uwsgi_temp_path {run}; scgi_temp_path {run};
    server {{
        listen {host}:{port};
        root {root};
    }}
}}
"""


@contextmanager
def static_server(root: Path) -> Iterator[tuple[str, str]]:
    """nginx from Debian's packages if present, else Python's http.server."""
    port = free_port()
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    with tempfile.TemporaryDirectory() as run:
        if nginx:
            conf = Path(run) / "nginx.conf"
            conf.write_text(NGINX_CONF.format(run=run, host=LOOPBACK, port=port, root=root))
            command, name = [nginx, "-c", str(conf)], "nginx"
        else:
            command = [sys.executable, "-m", "http.server", str(port), "--bind", LOOPBACK,
                       "--directory", str(root)]
            name = "python http.server"
        base = f"http://{LOOPBACK}:{port}"
        with running(command, base + "/index.html"):
            yield base, name


WRK_SCRIPT = """
local paths = {{{paths}}}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], {{{headers}}})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d %f %f\\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max))
end
"""


# A new URL on every request: `path` is a Lua expression of n, a number no other request
# of the run has (wrk's threads each have their own Lua state, hence the thread's id).
WRK_NEW_URLS = """
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
local i = 0
request = function()
  i = i + 1
  local n = i * 8 + id
  return wrk.format("GET", {path}, {{{headers}}})
end
""" + WRK_SCRIPT.split("end\n", 1)[1]


@dataclass(frozen=True)
class LoadResult:
    requests: int
    socket_errors: int
    bad_status: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def wrk(base: str, paths: list[str], connections: int, seconds: int,
        headers: dict[str, str] | None = None, new_url: str | None = None) -> LoadResult:
    """wrk over `paths` in turn, or with `new_url` (a Lua expression of n) a URL never
    asked before on every request; `bad_status` counts answers other than 2xx/3xx."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    lua_paths = ", ".join(f'"{p}"' for p in paths)
    lua_headers = ", ".join(f'["{k}"] = "{v}"' for k, v in (headers or {}).items())
    if new_url is None:
        return run_wrk(base, WRK_SCRIPT.format(paths=lua_paths, headers=lua_headers),
                       connections, seconds)
    return run_wrk(base, WRK_NEW_URLS.format(path=new_url, headers=lua_headers),
                   connections, seconds)


def run_wrk(base: str, lua_script: str, connections: int, seconds: int) -> LoadResult:
    """wrk driven by `lua_script`, whose done() prints `RESULT requests socket-errors
    bad-status duration-us p50-us p99-us …`."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script)
    try:
        output = subprocess.run(
            ["wrk", f"-c{connections}", f"-d{seconds}s", "-t2", "-s", script.name, base],
            capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    fields = re.search(r"RESULT (.*)", output).group(1).split()
    requests, errors, status, micros, p50, p99 = (int(f) for f in fields[:6])
    return LoadResult(requests, errors, status, micros / 1e6, p50 / 1000, p99 / 1000)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown CPU")
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    return f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB RAM"
