"""Smoke tests of the load tools, so they keep working between benchmark runs.

Each tool runs for a couple of seconds at a low rate against a gateway or the baseline on fresh
topics: the Go driver (`bench/loadgen`), the FastAPI baseline (`bench/baseline`) and the locust
scenarios (`bench/locustfile.py`). They check statuses and record counts, never timings.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from int_hubspot.config.settings import load_settings
from int_hubspot_service.kafka.producer import producer_config
from tests.integration.conftest import (
    BOOTSTRAP,
    ROOT,
    SECRET,
    Gateway,
    create_topics,
    free_port,
    start_gateway,
    stop_gateway,
    topic_end_offsets,
)

pytestmark = pytest.mark.integration

SAMPLES = ROOT.parent / "shared" / "hubspot" / "samples"
BASELINE_DIR = ROOT / "bench" / "baseline"


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.skip("the Go toolchain is not installed; the load driver needs `go build`")
    binary = tmp_path_factory.mktemp("loadgen") / "hubspot-load"
    subprocess.run(
        [go, "build", "-o", str(binary), "."], cwd=ROOT / "bench" / "loadgen", check=True, timeout=300
    )
    return binary


@pytest.fixture
def granian_gateway(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Gateway]:
    topics = create_topics(kafka_bootstrap, "test.load")
    running = start_gateway("granian", topics, tmp_path)
    yield running
    stop_gateway(running)


def run_driver(driver: Path, url: str, batch_size: int) -> dict[str, Any]:
    """Run the driver at 40 requests/s for 2 s and return its result line."""
    completed = subprocess.run(
        [
            str(driver),
            f"-url={url}",
            f"-samples={SAMPLES}",
            f"-batch={batch_size}",
            "-connections=4",
            "-rate=40",
            "-warmup=0.5s",
            "-duration=1.5s",
        ],
        env={"INT_HUBSPOT_CLIENT_SECRET": SECRET},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [line["event"] for line in lines] == ["window_start", "window_end", "result"]
    result: dict[str, Any] = lines[-1]
    return result


def test_driver_events_land_in_kafka(driver: Path, granian_gateway: Gateway) -> None:
    result = run_driver(driver, granian_gateway.base_url + "/webhooks", batch_size=10)
    stop_gateway(granian_gateway)  # flushes the producer

    assert set(result["total_status"]) == {"204"}
    assert result["total_errors"] == 0
    assert result["total_acked_events"] > 0
    assert topic_end_offsets(granian_gateway.topics.events) == result["total_acked_events"]


def test_driver_rejects_remote_url(driver: Path) -> None:
    completed = subprocess.run(
        [str(driver), "-url=http://192.0.2.1:8080/webhooks"],
        env={"INT_HUBSPOT_CLIENT_SECRET": SECRET},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert completed.returncode == 2
    assert "not a loopback address" in completed.stderr


def _load_baseline_settings() -> Any:
    spec = importlib.util.spec_from_file_location("baseline_settings", BASELINE_DIR / "baseline_settings.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.BaselineSettings


def test_baseline_producer_config_matches_gateway() -> None:
    environ = {
        "INT_HUBSPOT_CLIENT_SECRET": SECRET,
        "INT_HUBSPOT_PUBLIC_URL": "http://127.0.0.1:8080",
        "INT_HUBSPOT_KAFKA_LINGER_MS": "7",
        "INT_HUBSPOT_KAFKA_COMPRESSION": "zstd",
    }
    baseline = _load_baseline_settings().from_environ(environ).producer_config()
    gateway = producer_config(load_settings(environ))

    assert baseline.pop("client.id") == "int-hubspot-baseline"
    gateway.pop("client.id")
    # Callbacks that route librdkafka's logs and errors into Python logging change no Kafka cost.
    gateway.pop("error_cb", None)
    gateway.pop("logger", None)
    assert baseline == gateway


@pytest.fixture
def baseline_url(kafka_bootstrap: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Serve the baseline on fresh topics; yield its webhook URL and events topic."""
    topics = create_topics(kafka_bootstrap, "test.baseline")
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "INT_HUBSPOT_CLIENT_SECRET": SECRET,
            "INT_HUBSPOT_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "INT_HUBSPOT_KAFKA_BOOTSTRAP": BOOTSTRAP,
            "INT_HUBSPOT_EVENTS_TOPIC": topics.events,
            "INT_HUBSPOT_DLQ_TOPIC": topics.dlq,
        }
    )
    argv = [sys.executable, "-m", "uvicorn", "app:app", "--app-dir", str(BASELINE_DIR)]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    log_path = tmp_path / "baseline.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            argv, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_for(f"http://127.0.0.1:{port}/ready", process, log_path)
        yield f"http://127.0.0.1:{port}/webhooks", topics.events
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 15)
            process.wait(timeout=20)


def _wait_for(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"baseline exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"baseline did not serve {url} within 60 s:\n{log_path.read_text()}")


def test_baseline_acknowledges_driver_batches(driver: Path, baseline_url: tuple[str, str]) -> None:
    url, events_topic = baseline_url
    result = run_driver(driver, url, batch_size=5)

    assert set(result["total_status"]) == {"204"}
    assert result["total_errors"] == 0
    # Every acknowledged event is in Kafka already: the baseline responds only after delivery.
    assert topic_end_offsets(events_topic) >= result["total_acked_events"] > 0


def test_baseline_rejects_wrong_signature(baseline_url: tuple[str, str]) -> None:
    url, _topic = baseline_url
    body = (SAMPLES / "batch-001-0.json").read_bytes()
    headers = {
        "x-hubspot-signature-v3": "d3Jvbmc=",
        "x-hubspot-request-timestamp": str(int(time.time() * 1000)),
    }

    response = httpx.post(url, content=body, headers=headers, timeout=10)

    assert response.status_code == 401


def test_locust_scenarios_pass(granian_gateway: Gateway, tmp_path: Path) -> None:
    locust = Path(sys.executable).with_name("locust")
    completed = subprocess.run(
        [
            str(locust),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users=6",
            "--spawn-rate=6",
            "--run-time=3s",
            f"--host={granian_gateway.base_url}",
            f"--csv={tmp_path / 'locust'}",
            "--only-summary",
            "--import-batches=2",
            "--attack-weight=20",
        ],
        env={**os.environ, "INT_HUBSPOT_CLIENT_SECRET": SECRET},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        cwd=tmp_path,
    )
    # locust exits 1 when any request failed, which includes an attack that was not rejected.
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    stats = (tmp_path / "locust_stats.csv").read_text()
    assert "POST /webhooks [1]" in stats
    assert "attack: wrong signature" in stats
