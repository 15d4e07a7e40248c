"""Benchmarks of v3 signature verification on HubSpot batch bodies of 1, 5, 20 and 100 events.

Each body is verified by the native verifier, the pure-Python reference, and a bare `hmac.digest` with
`hmac.compare_digest`, which is the least that a verifier written in Python pays. Results are grouped by
body size, and each records as `correct` whether the verifier returned the expected index 0. Timings are
reported, never asserted.

Run with `pytest bench`, or with `--benchmark-disable` to run each case once as a test.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from int_hubspot import _native
from int_hubspot.webhook import reference
from int_hubspot.webhook.signature import sign_v3

SAMPLES_DIR = Path(__file__).parents[1].parent / "shared" / "hubspot" / "samples"
BATCH_SIZES = ["001", "005", "020", "100"]

SECRET = b"bench-client-secret"
METHOD = "POST"
URI = "https://hooks.example.com/webhooks?portal=881204%3Aprod"
# HubSpot signs the URI with its twelve escapes decoded, so the verifier matches on its first try.
SIGNED_URI = "https://hooks.example.com/webhooks?portal=881204:prod"
TIMESTAMP = "1764820247826"
NOW_MS = int(TIMESTAMP)


def load_body(batch_size: str) -> bytes:
    path = SAMPLES_DIR / f"batch-{batch_size}-0.json"
    if not path.is_file():
        pytest.fail(
            f"benchmark sample {path} not found; check out the shared folder beside the repository root"
        )
    return path.read_bytes()


def verify_with_hmac_only(body: bytes, signature: str) -> int:
    """Compute one HMAC over the already decoded URI and compare it, with none of the verifier's checks."""
    message = METHOD.encode() + SIGNED_URI.encode() + body + TIMESTAMP.encode()
    digest = hmac.digest(SECRET, message, "sha256")
    return 0 if hmac.compare_digest(digest, base64.b64decode(signature)) else -1


def verifier(implementation: str) -> Callable[[bytes, str], int]:
    if implementation == "hmac-only":
        return verify_with_hmac_only
    verify_signature = _native.verify_signature if implementation == "native" else reference.verify_signature

    def verify(body: bytes, signature: str) -> int:
        return verify_signature(
            version="v3",
            secrets=[SECRET],
            method=METHOD,
            uri=URI,
            body=body,
            signature=signature,
            timestamp=TIMESTAMP,
            now_ms=NOW_MS,
        )

    return verify


@pytest.mark.parametrize("batch_size", BATCH_SIZES)
@pytest.mark.parametrize("implementation", ["native", "reference", "hmac-only"])
def test_verify_v3(benchmark: BenchmarkFixture, implementation: str, batch_size: str) -> None:
    body = load_body(batch_size)
    signature = sign_v3(SECRET, METHOD, SIGNED_URI, body, TIMESTAMP)
    verify = verifier(implementation)

    benchmark.group = f"batch-{batch_size} ({len(body)} bytes)"
    benchmark.extra_info["body_bytes"] = len(body)
    result = benchmark(verify, body, signature)

    benchmark.extra_info["correct"] = result == 0
    assert result == 0
