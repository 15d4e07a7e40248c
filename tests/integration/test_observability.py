"""A real Prometheus scrapes a running gateway under a short load; its logs must be clean JSON lines.

Prometheus comes from Debian's `prometheus` package (scripts/deploy-tools.sh installs it). It listens on
127.0.0.1 with its own temporary data directory, scrapes only the gateway, loads the chart's alerting
rules, and is stopped by its PID. The load is a fixed number of requests; every wait is bounded.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.integration.conftest import (
    OLD_SECRET,
    SECRET,
    Gateway,
    create_topics,
    free_port,
    start_gateway,
    stop_gateway,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT.parent / "shared" / "hubspot" / "samples"
DASHBOARD = ROOT / "charts" / "int-hubspot" / "files" / "dashboards" / "int-hubspot.json"
RULES = ROOT / "charts" / "int-hubspot" / "files" / "alerts" / "int-hubspot.rules.yaml"
TRACKED_PORTAL = "62515"
# Grafana replaces $__rate_interval; over 1 s scrapes a 30 s window contains enough samples for rate().
RATE_INTERVAL = "30s"


@dataclass
class Prometheus:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def query(self, expr: str) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10)
        body: dict[str, Any] = response.json()
        return body


def fresh_batch(name: str, occurred_at_ms: int) -> bytes:
    path = SAMPLES / name
    if not path.exists():
        pytest.fail(f"shared sample {path} is missing; the tests need the shared/ folder beside the repo")
    events = json.loads(path.read_bytes())
    for event in events:
        event["occurredAt"] = occurred_at_ms
        event["portalId"] = int(TRACKED_PORTAL)
    return json.dumps(events, separators=(",", ":")).encode()


def start_prometheus(target_port: int, tmp_dir: Path) -> Prometheus:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus is not installed; run scripts/deploy-tools.sh (Debian package prometheus)")
    port = free_port()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {"job_name": "int-hubspot", "static_configs": [{"targets": [f"127.0.0.1:{target_port}"]}]}
        ],
    }
    config_path = tmp_dir / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config))
    log_path = tmp_dir / "prometheus.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config_path}",
                f"--storage.tsdb.path={tmp_dir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=1h",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    return Prometheus(process, f"http://127.0.0.1:{port}", log_path)


def wait_for(check: Any, what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout_s:g} s waiting for {what}")


def send_load(gateway: Gateway) -> None:
    """A fixed mix: good batches, bad signatures, a poison event and an unknown path."""
    now_ms = int(time.time() * 1000)
    for index in range(30):
        body = fresh_batch(f"batch-005-{index % 3}.json", now_ms - 2_000)
        assert gateway.post(body).status_code == 204
    for _ in range(5):
        assert gateway.post(fresh_batch("batch-001-0.json", now_ms), secret="wrong-secret").status_code == 401
    good = json.loads(fresh_batch("batch-005-0.json", now_ms))
    poison = json.dumps([good[0], {"portalId": int(TRACKED_PORTAL), "occurredAt": 1}]).encode()
    assert gateway.post(poison).status_code == 204
    assert httpx.get(gateway.base_url + "/nope", timeout=5).status_code == 404


@pytest.fixture(scope="module")
def observed(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Gateway, Prometheus]]:
    tmp_dir = tmp_path_factory.mktemp("observability")
    topics = create_topics(kafka_bootstrap, "test.observability")
    gateway = start_gateway("granian", topics, tmp_dir, INT_HUBSPOT_METRICS_PORTAL_IDS=TRACKED_PORTAL)
    prometheus = start_prometheus(gateway.port, tmp_dir)
    try:
        wait_for(lambda: _ready(prometheus), "Prometheus to answer")
        send_load(gateway)
        # Enough scrapes after the load for rate() over the window, and one more rule evaluation.
        scrapes = f'count_over_time(up{{job="int-hubspot"}}[{RATE_INTERVAL}])'
        wait_for(lambda: _value(prometheus.query(scrapes)) >= 5, "five scrapes of the gateway")
        yield gateway, prometheus
    finally:
        prometheus.process.terminate()
        prometheus.process.wait(timeout=30)
        stop_gateway(gateway)


def _ready(prometheus: Prometheus) -> bool:
    try:
        return httpx.get(f"{prometheus.url}/-/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _value(result: dict[str, Any]) -> float:
    series = result.get("data", {}).get("result", [])
    return float(series[0]["value"][1]) if series else 0.0


def dashboard_queries() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [
        (panel["title"], target["expr"].replace("$__rate_interval", RATE_INTERVAL))
        for panel in dashboard["panels"]
        for target in panel["targets"]
    ]


def test_gateway_scraped(observed: tuple[Gateway, Prometheus]) -> None:
    _gateway, prometheus = observed

    assert _value(prometheus.query('up{job="int-hubspot"}')) == 1


def test_dashboard_queries_return_data(observed: tuple[Gateway, Prometheus]) -> None:
    _gateway, prometheus = observed

    for title, expr in dashboard_queries():
        result = prometheus.query(expr)
        assert result["status"] == "success", (title, expr, result)
        assert result["data"]["result"], f"{title}: no data for {expr}"


def test_tracked_tenant_has_own_series(observed: tuple[Gateway, Prometheus]) -> None:
    _gateway, prometheus = observed

    result = prometheus.query(f'int_hubspot_tenant_events_total{{portal_id="{TRACKED_PORTAL}"}}')

    assert _value(result) >= 150


def test_alert_expressions_evaluate(observed: tuple[Gateway, Prometheus]) -> None:
    _gateway, prometheus = observed
    groups = yaml.safe_load(RULES.read_text())["groups"]

    for rule in (rule for group in groups for rule in group["rules"]):
        result = prometheus.query(rule["expr"])
        assert result["status"] == "success", (rule["alert"], result)

    loaded = httpx.get(f"{prometheus.url}/api/v1/rules", timeout=10).json()["data"]["groups"]
    rules = [rule for group in loaded for rule in group["rules"]]
    assert len(rules) == sum(len(group["rules"]) for group in groups)
    for rule in rules:
        assert rule["health"] == "ok", (rule["name"], rule.get("lastError"))


def test_logs_are_json_without_secrets(observed: tuple[Gateway, Prometheus]) -> None:
    gateway, _prometheus = observed
    stop_gateway(gateway)  # the last test of the module: the shutdown lines belong to the run
    text = gateway.log_text()

    entries = [json.loads(line) for line in text.splitlines() if line.strip()]

    assert entries
    assert SECRET not in text
    assert OLD_SECRET not in text
    for entry in entries:
        for field in ("timestamp", "level", "logger", "message"):
            assert field in entry, (field, entry)
    assert any("gateway worker started" in entry["message"] for entry in entries)
    assert any("gateway worker stopped" in entry["message"] for entry in entries)
    rejected = [entry for entry in entries if entry["message"].startswith("rejected webhook request")]
    assert len(rejected) == 5
    assert len({entry["request_id"] for entry in rejected}) == 5
    poison = [entry for entry in entries if "poison" in entry["message"]]
    assert poison
    assert poison[0]["request_id"]
    assert poison[0]["portal_id"] == TRACKED_PORTAL
