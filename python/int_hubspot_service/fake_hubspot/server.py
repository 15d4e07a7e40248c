"""The fake HubSpot's HTTP server (stdlib `ThreadingHTTPServer`), one thread per request.

HubSpot routes:
    GET  /oauth/authorize, /oauth/<accountId>/authorize   302 to redirect_uri with code and state
                                                          (or error and error_description when configured)
    POST /oauth/2026-03/token                             authorization_code and refresh_token grants
    POST /oauth/2026-03/token/introspect                  token facts (hub_id, hub_domain, scopes, ...)
    POST /oauth/2026-03/token/revoke                      revokes a token and records the call
    GET  /crm/v3/objects/<type>/<id>                      needs a bearer token; 110 requests per 10 s
                                                          per portal with X-HubSpot-RateLimit-* headers
    POST /crm/v3/objects/<type>/batch/read                up to 100 inputs; same budget and headers
    POST /crm/v3/objects/<type>/search                    5 per second per portal, apart from the 10 s
                                                          budget; no rate-limit headers, 429 SECONDLY

Control API for tests (JSON bodies):
    POST /_control/reset                                  forget everything
    POST /_control/configure   {"expires_in": 60, ...}    change `Behaviour` fields (also rate_limit_max,
                                                          rate_limit_interval_ms, search_rate_per_s)
    POST /_control/fail        {"endpoint": "token", "status": 503, "count": 2, "body": {...},
                                "headers": {"Retry-After": "1"}}
    POST /_control/delay       {"endpoint": "token", "seconds": 1.5}
    POST /_control/revoke      {"portal_id": 62515}       revoke every token of a portal
    POST /_control/expire      {"portal_id": 62515}       expire every access token of a portal
    GET  /_control/calls                                  recorded calls (token fingerprints, no tokens)

Endpoint names for faults and delays: authorize, token, introspect, revoke, crm (object reads and
batch reads), search.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from int_hubspot_service.fake_hubspot.state import FakeState, Fault, Reply

__all__ = ["FakeHubSpotServer", "start_fake_hubspot"]

log = logging.getLogger(__name__)

_AUTHORIZE = re.compile(r"^/oauth/(?:\d+/)?authorize$")
_CRM_OBJECT = re.compile(r"^/crm/v3/objects/([A-Za-z0-9_]+)/([A-Za-z0-9_-]+)$")
_CRM_BATCH_READ = re.compile(r"^/crm/v3/objects/([A-Za-z0-9_]+)/batch/read$")
_CRM_SEARCH = re.compile(r"^/crm/v3/objects/([A-Za-z0-9_]+)/search$")
_TOKEN_PATHS = {
    "/oauth/2026-03/token": "token",
    "/oauth/2026-03/token/introspect": "introspect",
    "/oauth/2026-03/token/revoke": "revoke",
}
MAX_BODY_BYTES = 65_536


class _Handler(BaseHTTPRequestHandler):
    server: FakeHubSpotServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        state = self.server.state
        if _AUTHORIZE.match(parts.path):
            self._answer("authorize", lambda: state.authorize(dict(parse_qsl(parts.query))))
        elif match := _CRM_OBJECT.match(parts.path):
            object_type, object_id = match.groups()
            self._answer(
                "crm", lambda: state.crm_object(self.headers.get("Authorization"), object_type, object_id)
            )
        elif parts.path == "/_control/calls":
            self._write(Reply(200, {"calls": state.recorded_calls()}))
        else:
            self._write(Reply(404, {"status": "error", "message": f"no route for GET {parts.path}"}))

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        body = self._read_body()
        if body is None:
            self._write(Reply(413, {"status": "error", "message": "body too large"}))
            return
        endpoint = _TOKEN_PATHS.get(parts.path)
        if endpoint is not None:
            if "form-urlencoded" not in (self.headers.get("Content-Type") or ""):
                self._write(
                    Reply(415, {"status": "error", "message": "use application/x-www-form-urlencoded"})
                )
                return
            form = dict(parse_qsl(body.decode(errors="replace")))
            handler = getattr(self.server.state, endpoint)
            self._answer(endpoint, lambda: handler(form))
        elif match := _CRM_BATCH_READ.match(parts.path):
            payload = _json_or_none(body)
            auth = self.headers.get("Authorization")
            self._answer("crm", lambda: self.server.state.crm_batch_read(auth, match.group(1), payload))
        elif match := _CRM_SEARCH.match(parts.path):
            payload = _json_or_none(body)
            auth = self.headers.get("Authorization")
            self._answer("search", lambda: self.server.state.crm_search(auth, match.group(1), payload))
        elif parts.path.startswith("/_control/"):
            self._write(self._control(parts.path.removeprefix("/_control/"), body))
        else:
            self._write(Reply(404, {"status": "error", "message": f"no route for POST {parts.path}"}))

    def _control(self, action: str, body: bytes) -> Reply:
        state = self.server.state
        try:
            payload: dict[str, Any] = json.loads(body) if body else {}
            if action == "reset":
                state.reset()
                return Reply(200, {"reset": True})
            if action == "configure":
                return Reply(200, state.configure(payload))
            if action == "fail":
                fault = Fault(
                    int(payload.get("status", 503)),
                    int(payload.get("count", 1)),
                    payload.get("body"),
                    {str(name): str(value) for name, value in (payload.get("headers") or {}).items()},
                )
                state.add_fault(str(payload["endpoint"]), fault)
                return Reply(200, {"endpoint": payload["endpoint"], "count": fault.count})
            if action == "delay":
                state.set_delay(str(payload["endpoint"]), float(payload["seconds"]))
                return Reply(200, {"endpoint": payload["endpoint"]})
            if action == "revoke":
                return Reply(200, {"revoked": state.revoke_portal(int(payload["portal_id"]))})
            if action == "expire":
                return Reply(200, {"expired": state.expire_access_tokens(int(payload["portal_id"]))})
        except (ValueError, KeyError, TypeError) as error:
            return Reply(400, {"status": "error", "message": f"invalid control request: {error}"})
        return Reply(404, {"status": "error", "message": f"unknown control action {action!r}"})

    def _answer(self, endpoint: str, produce: Any) -> None:
        state = self.server.state
        delay = state.delay_of(endpoint)
        if delay > 0:
            time.sleep(delay)
        fault = state.take_fault(endpoint)
        if fault is not None:
            state.record(endpoint, injected_status=fault.status)
            self._write(fault)
            return
        self._write(produce())

    def _read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _write(self, reply: Reply) -> None:
        if reply.html is not None:
            payload = f"<!doctype html><title>fake HubSpot</title>{reply.html}".encode()
            content_type = "text/html; charset=utf-8"
        elif reply.body is None:
            payload, content_type = b"", "application/json"
        else:
            payload, content_type = json.dumps(reply.body).encode(), "application/json;charset=utf-8"
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line can carry codes and states in the query, so only method and path are logged.
        log.debug("fake HubSpot: %s %s", self.command, urlsplit(self.path).path)


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


class FakeHubSpotServer(ThreadingHTTPServer):
    """The fake HubSpot bound to one address; `state` is shared by every request thread."""

    daemon_threads = True

    def __init__(self, host: str, port: int, state: FakeState) -> None:
        super().__init__((host, port), _Handler)
        self.state = state

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def start_fake_hubspot(
    host: str = "127.0.0.1", port: int = 0, client_id: str | None = None, client_secret: str | None = None
) -> tuple[FakeHubSpotServer, threading.Thread]:
    """Start the fake on a background thread (port 0 picks a free one); stop it with `server.shutdown()`."""
    server = FakeHubSpotServer(host, port, FakeState(client_id, client_secret))
    thread = threading.Thread(target=server.serve_forever, name="fake-hubspot", daemon=True)
    thread.start()
    return server, thread
