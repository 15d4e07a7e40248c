"""The README's commands: `int-hubspot post` signs and sends a file, `int-hubspot tail` reads it back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import SECRET, Gateway

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "hubspot" / "samples"


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "int_hubspot_service.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_post_then_tail_shows_newest_records(gateway: Gateway) -> None:
    env = {**os.environ, "INT_HUBSPOT_CLIENT_SECRET": SECRET}
    batch = SAMPLES / "batch-005-1.json"

    posted = run_cli("post", str(batch), "--url", gateway.base_url + "/webhooks", env=env)
    tailed = run_cli("tail", "--topic", gateway.topics.events, "--max", "5", env=env)

    assert posted.returncode == 0, posted.stderr
    assert posted.stdout.strip() == "204 No Content"
    lines = [json.loads(line) for line in tailed.stdout.splitlines()]
    assert len(lines) == 5
    sent = {event["eventId"] for event in json.loads(batch.read_bytes())}
    received = {int(line["headers"]["hubspot_event_id"]) for line in lines}
    assert received == sent


def test_post_reports_unreachable_gateway() -> None:
    env = {**os.environ, "INT_HUBSPOT_CLIENT_SECRET": SECRET}

    result = run_cli(
        "post", str(SAMPLES / "batch-001-0.json"), "--url", "http://127.0.0.1:9/webhooks", env=env
    )

    assert result.returncode == 2
    assert "is the gateway running?" in result.stderr
    assert "Traceback" not in result.stderr
