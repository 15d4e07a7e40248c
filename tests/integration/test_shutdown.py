"""SIGTERM stops each front end cleanly: the producer is flushed and the process exits with 0."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.integration.conftest import create_topics, read_records, start_gateway

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "hubspot" / "samples"


@pytest.mark.parametrize("server", ["granian", "robyn"])
def test_sigterm_flushes_and_exits(server: str, kafka_bootstrap: str, tmp_path: Path) -> None:
    topics = create_topics(kafka_bootstrap, f"test.shutdown.{server}")
    gateway = start_gateway(server, topics, tmp_path)

    response = gateway.post((SAMPLES / "batch-020-1.json").read_bytes())
    os.killpg(gateway.process.pid, signal.SIGTERM)
    exit_code = gateway.process.wait(timeout=30)

    assert response.status_code == 204
    assert exit_code == 0
    assert "gateway worker stopped; 0 records left undelivered" in gateway.log_text()
    assert len(read_records(topics.events)) == 20
