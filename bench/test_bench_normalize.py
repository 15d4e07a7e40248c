"""Benchmarks of `normalize_batch` on HubSpot sample batches of 1, 5, 20 and 100 events.

Each body is normalized by the native implementation and by the pure-Python reference. `orjson.loads`
of the same bytes is the floor, because any normalizer that parses the body in Python pays at least
that. Results are grouped by batch size, and each records as `correct` whether the result matched the
reference (for orjson: whether it parsed to a list of the expected length). Timings are reported, never
asserted.

Run with `pytest bench`, or with `--benchmark-disable` to run each case once as a test.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from int_hubspot import _native
from int_hubspot.ocel import batch as reference

# The shared HubSpot sample batches live next to the repository; HUBSPOT_SAMPLES_DIR overrides the place.
SAMPLES_DIR = Path(
    os.environ.get(
        "HUBSPOT_SAMPLES_DIR", str(Path(__file__).resolve().parents[2] / "shared" / "hubspot" / "samples")
    )
)
BATCH_SIZES = ["001", "005", "020", "100"]
RECEIVED_AT_MS = 1_764_820_300_000


def load_body(batch_size: str) -> bytes:
    path = SAMPLES_DIR / f"batch-{batch_size}-0.json"
    if not path.is_file():
        pytest.fail(f"sample batch {path} not found; set HUBSPOT_SAMPLES_DIR to the samples folder")
    return path.read_bytes()


def run_orjson(body: bytes) -> Any:
    return orjson.loads(body)


RUNNERS: dict[str, Callable[[bytes], Any]] = {
    "native": lambda body: _native.normalize_batch(body, RECEIVED_AT_MS),
    "reference": lambda body: reference.normalize_batch(body, RECEIVED_AT_MS),
    "orjson_loads": run_orjson,
}


@pytest.mark.parametrize("batch_size", BATCH_SIZES)
@pytest.mark.parametrize("implementation", list(RUNNERS))
def test_normalize_batch(benchmark: BenchmarkFixture, implementation: str, batch_size: str) -> None:
    body = load_body(batch_size)
    benchmark.group = f"normalize batch of {int(batch_size)}"
    benchmark.extra_info["body_bytes"] = len(body)

    result = benchmark(RUNNERS[implementation], body)

    if implementation == "orjson_loads":
        correct = isinstance(result, list) and len(result) == int(batch_size)
    else:
        expected = reference.normalize_batch(body, RECEIVED_AT_MS)
        correct = result == expected and len(result[0]) == int(batch_size)
    benchmark.extra_info["correct"] = correct
    assert correct
