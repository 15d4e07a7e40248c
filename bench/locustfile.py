"""Locust scenarios: HubSpot-shaped webhook traffic for a local int-hubspot gateway (or the baseline).

    INT_HUBSPOT_CLIENT_SECRET=... locust -f bench/locustfile.py --headless -u 60 -r 20 -t 60s \\
        --csv bench/results/raw/locust --html bench/results/raw/locust.html

The target defaults to http://127.0.0.1:8080 (what `make run` serves); `--host` picks another port.
Only loopback hosts are accepted. Two user classes share the run:

- `HubSpotDelivery` (weight 20 by default): HubSpot's webhook delivery. Many small portals send
  batches of 1, 5 or 20 events. A few large portals send 20- and 100-event batches and, now and then,
  an import burst of back-to-back 100-event batches with `changeSource: IMPORT`. At most 10 requests
  per portal are in flight at once, as HubSpot limits itself. Every request is signed with v3 when it
  is sent, with the current timestamp, and every event has a new eventId.
- `Attacker` (weight 1): input HubSpot never sends: a wrong signature, a stale or future timestamp, a
  missing signature header and an oversized body. A request counts as a success when the gateway
  rejects it with the expected status (401 or 413).

Options (after the locust options): --signed-base-url, --samples-dir, --small-portals, --large-portals,
--import-batches, --attack-weight. The client secret is read from INT_HUBSPOT_CLIENT_SECRET (the first
of a comma-separated list) and never logged.
"""

from __future__ import annotations

import itertools
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from gevent.lock import BoundedSemaphore
from locust import FastHttpUser, events, task
from locust.env import Environment
from locust.exception import StopUser

from int_hubspot.webhook.signature import sign_v3

DEFAULT_HOST = "http://127.0.0.1:8080"
SAMPLES_DIR = Path(__file__).resolve().parents[2] / "shared" / "hubspot" / "samples"
WEBHOOK_PATH = "/webhooks"
# HubSpot keeps at most 10 webhook requests in flight per installing portal.
MAX_CONCURRENT_PER_PORTAL = 10
# The gateway's default INT_HUBSPOT_MAX_BODY_BYTES is 1 MiB; this body is larger.
OVERSIZED_BODY_BYTES = 1_100_000


@events.init_command_line_parser.add_listener
def add_options(parser: Any) -> None:
    parser.add_argument(
        "--signed-base-url",
        default="",
        help="base URL the gateway signs with (its INT_HUBSPOT_PUBLIC_URL); default: --host",
    )
    parser.add_argument(
        "--samples-dir", default=str(SAMPLES_DIR), help="folder of HubSpot batch-*.json samples"
    )
    parser.add_argument("--small-portals", type=int, default=200, help="number of small portals")
    parser.add_argument("--large-portals", type=int, default=3, help="number of large portals that import")
    parser.add_argument("--import-batches", type=int, default=20, help="100-event batches per import burst")
    parser.add_argument(
        "--attack-weight", type=int, default=1, help="weight of Attacker against 20 deliveries"
    )


class Traffic:
    """State shared by all users of one run: sample events, portals, id counters, secret."""

    def __init__(self, environment: Environment) -> None:
        options = environment.parsed_options
        host = environment.host or DEFAULT_HOST
        _require_loopback(host)
        self.signed_base_url = (getattr(options, "signed_base_url", "") or host).rstrip("/")
        secret = os.environ.get("INT_HUBSPOT_CLIENT_SECRET", "").split(",")[0].strip()
        if not secret:
            raise SystemExit("INT_HUBSPOT_CLIENT_SECRET is empty; set it to the gateway's client secret")
        self.secret = secret.encode()
        self.templates = _load_sample_events(Path(getattr(options, "samples_dir", SAMPLES_DIR)))
        small = getattr(options, "small_portals", 200)
        large = getattr(options, "large_portals", 3)
        self.small_portals = [30_000_000 + index for index in range(small)]
        self.large_portals = [40_000_000 + index for index in range(large)]
        self.import_batches = getattr(options, "import_batches", 20)
        self.slots = {
            portal: BoundedSemaphore(MAX_CONCURRENT_PER_PORTAL)
            for portal in self.small_portals + self.large_portals
        }
        self.event_ids = itertools.count(random.randrange(1, 2**40) * 1_000_000)
        self.templates_cycle: Iterator[dict[str, Any]] = itertools.cycle(self.templates)

    def batch(self, portal_id: int, size: int, change_source: str | None = None) -> bytes:
        """Return a JSON batch of `size` events for `portal_id` with fresh event ids."""
        now_ms = int(time.time() * 1000)
        batch = []
        for _ in range(size):
            event = dict(next(self.templates_cycle))
            event_id = next(self.event_ids)
            event.update(eventId=event_id, portalId=portal_id, objectId=event_id % 10**11, occurredAt=now_ms)
            if change_source is not None:
                event["changeSource"] = change_source
            batch.append(event)
        return orjson.dumps(batch)

    def headers(
        self, body: bytes, timestamp_ms: int | None = None, secret: bytes | None = None
    ) -> dict[str, str]:
        """Return the v3 signature headers for `body`, signed now unless `timestamp_ms` is given."""
        timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
        signature = sign_v3(
            secret or self.secret, "POST", self.signed_base_url + WEBHOOK_PATH, body, timestamp
        )
        return {
            "content-type": "application/json",
            "x-hubspot-signature-v3": signature,
            "x-hubspot-request-timestamp": timestamp,
        }


_traffic: Traffic | None = None


@events.test_start.add_listener
def on_test_start(environment: Environment, **_kwargs: Any) -> None:
    global _traffic  # noqa: PLW0603 - one shared state per locust run
    _traffic = Traffic(environment)


def _shared() -> Traffic:
    if _traffic is None:
        raise StopUser("the test_start listener did not run")
    return _traffic


def _require_loopback(host: str) -> None:
    hostname = urlsplit(host).hostname or ""
    if hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(
            f"--host {host!r} is not a loopback address; these scenarios only load local servers"
        )


def _load_sample_events(folder: Path) -> list[dict[str, Any]]:
    files = sorted(folder.glob("batch-*.json"))
    if not files:
        raise SystemExit(f"no batch-*.json sample files in {folder}; pass --samples-dir")
    sample_events: list[dict[str, Any]] = []
    for path in files:
        sample_events.extend(orjson.loads(path.read_bytes()))
    return sample_events


class HubSpotDelivery(FastHttpUser):
    """One of HubSpot's delivery workers: picks a portal per request and respects its 10 slots."""

    host = DEFAULT_HOST
    weight = 20

    def wait_time(self) -> float:
        # Exponential think time, 50 ms on average: deliveries arrive independently of each other.
        return random.expovariate(20.0)

    def send(self, portal_id: int, size: int, name: str, change_source: str | None = None) -> None:
        traffic = _shared()
        body = traffic.batch(portal_id, size, change_source)
        with traffic.slots[portal_id]:
            self.client.post(WEBHOOK_PATH, data=body, headers=traffic.headers(body), name=name)

    @task(60)
    def small_portal_change(self) -> None:
        traffic = _shared()
        portal_id = random.choice(traffic.small_portals)
        size = random.choices((1, 5, 20), weights=(70, 25, 5))[0]
        self.send(portal_id, size, f"POST /webhooks [{size}]")

    @task(15)
    def large_portal_change(self) -> None:
        traffic = _shared()
        portal_id = random.choice(traffic.large_portals)
        size = random.choice((20, 100))
        self.send(portal_id, size, f"POST /webhooks [{size}]")

    @task(1)
    def large_portal_import(self) -> None:
        traffic = _shared()
        portal_id = random.choice(traffic.large_portals)
        for _ in range(traffic.import_batches):
            self.send(portal_id, 100, "POST /webhooks [100, import]", change_source="IMPORT")


class Attacker(FastHttpUser):
    """Sends what HubSpot never sends; success means the gateway rejected it as expected."""

    host = DEFAULT_HOST
    weight = 1

    def wait_time(self) -> float:
        return random.expovariate(10.0)

    def expect(self, status: int, name: str, body: bytes, headers: dict[str, str]) -> None:
        with self.client.post(
            WEBHOOK_PATH, data=body, headers=headers, name=name, catch_response=True
        ) as response:
            if response.status_code == status:
                response.success()
            else:
                response.failure(f"expected {status}, got {response.status_code}")

    def small_batch(self) -> bytes:
        traffic = _shared()
        return traffic.batch(random.choice(traffic.small_portals), 5)

    @task
    def wrong_signature(self) -> None:
        body = self.small_batch()
        headers = _shared().headers(body, secret=b"not-the-client-secret")
        self.expect(401, "attack: wrong signature", body, headers)

    @task
    def stale_timestamp(self) -> None:
        body = self.small_batch()
        headers = _shared().headers(body, timestamp_ms=int(time.time() * 1000) - 6 * 60 * 1000)
        self.expect(401, "attack: stale timestamp", body, headers)

    @task
    def future_timestamp(self) -> None:
        body = self.small_batch()
        headers = _shared().headers(body, timestamp_ms=int(time.time() * 1000) + 6 * 60 * 1000)
        self.expect(401, "attack: future timestamp", body, headers)

    @task
    def missing_signature(self) -> None:
        body = self.small_batch()
        headers = _shared().headers(body)
        del headers["x-hubspot-signature-v3"]
        self.expect(401, "attack: missing signature", body, headers)

    @task
    def oversized_body(self) -> None:
        body = b"[" + b" " * OVERSIZED_BODY_BYTES + b"]"
        self.expect(413, "attack: oversized body", body, _shared().headers(body))


@events.init.add_listener
def apply_attack_weight(environment: Environment, **_kwargs: Any) -> None:
    options = environment.parsed_options
    if options is not None:
        Attacker.weight = max(0, getattr(options, "attack_weight", 1))
