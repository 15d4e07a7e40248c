"""Start and stop the systems under test: int-hubspot on Granian or Robyn, and the baseline.

Each runs as a subprocess in its own session, optionally pinned to CPUs with `taskset`, listening on
127.0.0.1 only, and is stopped by its PID (SIGTERM to its process group, SIGKILL after 20 s).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SYSTEMS = ("granian", "robyn", "baseline")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningSystem:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks"


def command(name: str, port: int) -> list[str]:
    """Return the command line that serves `name` on `port`."""
    if name == "baseline":
        return [
            sys.executable, "-m", "uvicorn", "app:app",
            "--app-dir", str(ROOT / "bench" / "baseline"),
            "--host", "127.0.0.1", "--port", str(port),
            "--workers", "1", "--loop", "uvloop", "--http", "httptools",
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
    return [sys.executable, "-m", "int_hubspot_service.cli", "serve"]


def start(name: str, env: dict[str, str], log_dir: Path, cpus: str | None) -> RunningSystem:
    """Start `name` with `env` (secret, topics, bootstrap) and wait until /ready returns 200."""
    port = free_port()
    full_env = dict(os.environ)
    full_env.update(env)
    full_env.update(
        {
            "INT_HUBSPOT_PORT": str(port),
            "INT_HUBSPOT_HOST": "127.0.0.1",
            "INT_HUBSPOT_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "INT_HUBSPOT_LOG_LEVEL": "WARNING",
        }
    )
    if name != "baseline":
        full_env["INT_HUBSPOT_SERVER"] = name
    argv = command(name, port)
    if cpus:
        argv = ["taskset", "-c", cpus, *argv]
    log_path = log_dir / f"{name}-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=full_env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    running = RunningSystem(name, port, process, log_path)
    _wait_ready(running)
    return running


def _wait_ready(running: RunningSystem, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            log = running.log_path.read_text(errors="replace")
            raise RuntimeError(f"{running.name} exited with {running.process.returncode}:\n{log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{running.port}/ready", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    stop(running)
    raise RuntimeError(f"{running.name} did not become ready within {timeout_s:g} s; see {running.log_path}")


def stop(running: RunningSystem) -> None:
    """Stop the system's process group, which it leads since it was started in its own session."""
    if running.process.poll() is not None:
        return
    os.killpg(running.process.pid, signal.SIGTERM)
    try:
        running.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(running.process.pid, signal.SIGKILL)
        running.process.wait(timeout=5)
