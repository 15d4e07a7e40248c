"""HubSpot's signature vectors, checked against the native and the pure-Python implementation.

The vectors are HubSpot SDK test values plus a few derived ones. Freshness is tested elsewhere, so each
v3 vector is verified with `now_ms` equal to its own timestamp.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from int_hubspot import _native
from int_hubspot.webhook import reference

VECTORS_PATH = Path(__file__).parents[2].parent / "shared" / "hubspot" / "signature-vectors.json"

IMPLEMENTATIONS: dict[str, Callable[..., int]] = {
    "native": _native.verify_signature,
    "reference": reference.verify_signature,
}


def load_vectors() -> list[dict[str, Any]]:
    if not VECTORS_PATH.is_file():
        pytest.fail(
            f"signature vectors not found at {VECTORS_PATH}; check out the shared folder beside the "
            "repository root",
            pytrace=False,
        )
    vectors: list[dict[str, Any]] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))["vectors"]
    return vectors


VECTORS = load_vectors()


def test_vector_file_has_twelve_vectors() -> None:
    assert len(VECTORS) == 12
    assert {vector["version"] for vector in VECTORS} == {"v1", "v2", "v3"}


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("vector", VECTORS, ids=[vector["name"] for vector in VECTORS])
def test_vector_verifies(implementation: str, vector: dict[str, Any]) -> None:
    verify_signature = IMPLEMENTATIONS[implementation]
    timestamp = vector["timestamp"]

    index = verify_signature(
        version=vector["version"],
        secrets=[vector["client_secret"].encode()],
        method=vector["method"] or "",
        uri=vector["uri"] or "",
        body=vector["body"].encode(),
        signature=vector["expected_signature"],
        timestamp=timestamp,
        now_ms=int(timestamp) if timestamp is not None else 0,
    )

    assert index == 0


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("vector", VECTORS, ids=[vector["name"] for vector in VECTORS])
def test_vector_with_rotated_secret(implementation: str, vector: dict[str, Any]) -> None:
    verify_signature = IMPLEMENTATIONS[implementation]
    timestamp = vector["timestamp"]

    index = verify_signature(
        version=vector["version"],
        secrets=[b"previous-client-secret", vector["client_secret"].encode()],
        method=vector["method"] or "",
        uri=vector["uri"] or "",
        body=vector["body"].encode(),
        signature=vector["expected_signature"],
        timestamp=timestamp,
        now_ms=int(timestamp) if timestamp is not None else 0,
    )

    assert index == 1
