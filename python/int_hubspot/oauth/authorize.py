"""The URL of HubSpot's authorize page for an install.

HubSpot reads `scope` and `optional_scope` as space-separated lists and expects the spaces encoded as
`%20` (HubSpot's "Working with OAuth" guide), so the query is encoded with `quote`, not `quote_plus`.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote, urlencode

__all__ = ["build_authorize_url"]


def build_authorize_url(
    app_url: str,
    *,
    client_id: str,
    redirect_uri: str,
    scopes: Sequence[str],
    optional_scopes: Sequence[str],
    state: str,
) -> str:
    """Return `<app_url>/oauth/authorize?...` with the client id, redirect URI, scopes and state."""
    params = [("client_id", client_id), ("redirect_uri", redirect_uri), ("scope", " ".join(scopes))]
    if optional_scopes:
        params.append(("optional_scope", " ".join(optional_scopes)))
    params.append(("state", state))
    return f"{app_url.rstrip('/')}/oauth/authorize?{urlencode(params, quote_via=quote)}"
