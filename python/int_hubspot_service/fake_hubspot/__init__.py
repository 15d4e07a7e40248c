"""A fake HubSpot for tests and local runs: OAuth authorize and 2026-03 token endpoints, and a few CRM
endpoints with HubSpot's per-portal rate limit. See `server.py` for the routes and the control API."""

from __future__ import annotations

from int_hubspot_service.fake_hubspot.server import FakeHubSpotServer, start_fake_hubspot
from int_hubspot_service.fake_hubspot.state import FakeState

__all__ = ["FakeHubSpotServer", "FakeState", "start_fake_hubspot"]
