"""Property tests: the native and the reference `verify_signature` agree on random requests.

Agreement means the same return value, or the same exception class with the same message. The
strategies build requests near the interesting edges: URIs full of percent-escapes, timestamps close
to the window limits, and signatures that are valid for one secret and one URI variant.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from int_hubspot import _native
from int_hubspot.webhook import reference
from int_hubspot.webhook.signature import sign_v1, sign_v2, sign_v3
from int_hubspot.webhook.uri import candidate_uris

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1
HEX_DIGITS = "0123456789abcdefABCDEF"

# No time limit per example: the suite must not depend on how fast the machine is.
PARITY_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Python strings may hold lone surrogates, which the native side cannot receive as UTF-8.
text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12)

percent_escapes = st.builds(
    lambda high, low: f"%{high}{low}",
    st.sampled_from(HEX_DIGITS + "G%"),
    st.sampled_from(HEX_DIGITS + "G%"),
)
table_escapes = st.sampled_from(
    ["%3A", "%2F", "%3F", "%40", "%21", "%24", "%27", "%28", "%29", "%2A", "%2C", "%3B"]
)
uri_parts = st.one_of(table_escapes, table_escapes.map(str.lower), percent_escapes, text, st.just("%"))
uris = st.builds(
    lambda base, parts: base + "".join(parts),
    st.sampled_from(["https://hooks.example.com/webhooks", "http://h/", ""]),
    st.lists(uri_parts, max_size=8),
)


def mostly(common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Draw from `common` about nine times in ten, so that early failures do not hide the later checks."""
    return st.integers(min_value=0, max_value=9).flatmap(lambda roll: rare if roll == 0 else common)


versions = mostly(st.sampled_from(["v1", "v2", "v3"]), text)
methods = mostly(st.sampled_from(["POST", "GET", "post"]), text)
secret_lists = mostly(
    st.lists(st.binary(min_size=1, max_size=16), min_size=1, max_size=3),
    st.lists(st.binary(max_size=4), max_size=3),
)


@st.composite
def timestamps_and_clocks(draw: st.DrawFn) -> tuple[str | None, int, int]:
    """Draw a timestamp header, a receiver clock and a window, often near the window edges."""
    max_age_ms = draw(mostly(st.just(300_000), st.integers(min_value=-2, max_value=10**6)))
    timestamp_value = draw(st.integers(min_value=0, max_value=I64_MAX))
    offset = draw(
        st.one_of(
            st.sampled_from([0, 1, -1, max_age_ms, -max_age_ms, max_age_ms + 1, -max_age_ms - 1]),
            st.integers(min_value=-(10**7), max_value=10**7),
        )
    )
    now_ms = draw(mostly(st.just(timestamp_value + offset), st.integers(I64_MIN, I64_MAX)))
    now_ms = min(max(now_ms, I64_MIN), I64_MAX)

    timestamp = draw(
        mostly(
            st.just(str(timestamp_value)),
            st.one_of(
                st.just("0" + str(timestamp_value)),
                st.none(),
                st.just(""),
                st.integers(min_value=I64_MAX - 2, max_value=I64_MAX + 2).map(str),
                st.from_regex(r"[0-9]{40}", fullmatch=True),
                text,
            ),
        )
    )
    return timestamp, now_ms, max_age_ms


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    """Draw the keyword arguments of one `verify_signature` call."""
    version = draw(versions)
    secrets = draw(secret_lists)
    method = draw(methods)
    uri = draw(uris)
    body = draw(st.binary(max_size=64))
    timestamp, now_ms, max_age_ms = draw(timestamps_and_clocks())

    signing_secret = draw(mostly(st.sampled_from(secrets), st.binary(min_size=1))) if secrets else b"x"
    signed_uri = draw(st.sampled_from([*candidate_uris(uri), uri.lower()]))
    valid_signatures = {
        "v1": sign_v1(signing_secret, body),
        "v2": sign_v2(signing_secret, method, signed_uri, body),
        "v3": sign_v3(signing_secret, method, signed_uri, body, timestamp or ""),
    }
    signature = draw(
        mostly(
            st.just(valid_signatures.get(version, valid_signatures["v3"])),
            st.one_of(
                st.sampled_from(list(valid_signatures.values())),
                st.sampled_from(list(valid_signatures.values())).map(str.upper),
                st.none(),
                st.just(""),
                text,
            ),
        )
    )

    return {
        "version": version,
        "secrets": secrets,
        "method": method,
        "uri": uri,
        "body": body,
        "signature": signature,
        "timestamp": timestamp,
        "now_ms": now_ms,
        "max_age_ms": max_age_ms,
    }


def outcome(verify: Any, arguments: dict[str, Any]) -> tuple[str, object, str]:
    """Run one implementation and return what it produced, in a form that compares by value."""
    try:
        result: tuple[str, object, str] = ("returned", verify(**arguments), "")
    except (ValueError, TypeError) as error:
        result = ("raised", type(error), str(error))
    event(f"{result[0]} {getattr(result[1], '__name__', result[1])}")
    return result


@PARITY_SETTINGS
@given(requests())
def test_native_matches_reference(arguments: dict[str, Any]) -> None:
    native = outcome(_native.verify_signature, arguments)
    python = outcome(reference.verify_signature, arguments)
    assert native == python


@PARITY_SETTINGS
@given(
    secrets=st.lists(st.binary(min_size=1, max_size=16), min_size=1, max_size=4),
    uri=uris,
    body=st.binary(max_size=256),
    data=st.data(),
)
def test_parity_on_valid_v3_requests(
    secrets: list[bytes], uri: str, body: bytes, data: st.DataObject
) -> None:
    timestamp = str(data.draw(st.integers(min_value=0, max_value=I64_MAX - 300_000)))
    signing_index = data.draw(st.integers(min_value=0, max_value=len(secrets) - 1))
    signed_uri = data.draw(st.sampled_from(candidate_uris(uri)))
    arguments = {
        "version": "v3",
        "secrets": secrets,
        "method": "POST",
        "uri": uri,
        "body": body,
        "signature": sign_v3(secrets[signing_index], "POST", signed_uri, body, timestamp),
        "timestamp": timestamp,
        "now_ms": int(timestamp) + data.draw(st.integers(min_value=-300_000, max_value=300_000)),
    }

    native = outcome(_native.verify_signature, arguments)
    python = outcome(reference.verify_signature, arguments)

    assert native == python
    status, index, _ = native
    assert status == "returned"
    assert isinstance(index, int)
    # A duplicate of the signing secret earlier in the list matches first.
    assert secrets[index] == secrets[signing_index]
