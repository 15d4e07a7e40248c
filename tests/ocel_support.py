"""Shared helpers for the OCEL normalization tests: implementations, sample batches, body builders."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from int_hubspot import _native
from int_hubspot.ocel import batch as reference

NormalizeBatch = Callable[[bytes, int], tuple[list[Any], list[Any]]]

IMPLEMENTATIONS: dict[str, NormalizeBatch] = {
    "native": _native.normalize_batch,
    "reference": reference.normalize_batch,
}

RECEIVED_AT_MS = 1_764_820_300_000

# The shared HubSpot sample batches live next to the repository; HUBSPOT_SAMPLES_DIR overrides the place.
SAMPLES_DIR = Path(
    os.environ.get(
        "HUBSPOT_SAMPLES_DIR", str(Path(__file__).resolve().parents[2] / "shared" / "hubspot" / "samples")
    )
)


def sample_paths() -> list[Path]:
    """Return the shared sample batches, failing the test run when none are found."""
    paths = sorted(SAMPLES_DIR.glob("batch-*.json"))
    if not paths:
        pytest.fail(f"no sample batches in {SAMPLES_DIR}; set HUBSPOT_SAMPLES_DIR to their folder")
    return paths


def base_event(subscription_type: str, **fields: Any) -> dict[str, Any]:
    """Return a plausible event of `subscription_type` with `fields` added or replaced."""
    event: dict[str, Any] = {
        "eventId": 447712806,
        "subscriptionId": 1849037,
        "portalId": 881204,
        "appId": 54321,
        "occurredAt": 1764820247826,
        "subscriptionType": subscription_type,
        "attemptNumber": 0,
        "objectId": 16186497579,
        "changeSource": "CRM",
    }
    event.update(fields)
    return event


def body_of(*events: Any) -> bytes:
    """Serialize events as a batch body; Python ints keep every digit."""
    return json.dumps(list(events), ensure_ascii=False).encode("utf-8")
