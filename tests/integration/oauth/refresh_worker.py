"""A separate process that requests a tenant's access token; run by test_concurrent_processes_one_refresh.

Arguments: portal id, clock offset in seconds, and a file whose appearance starts the calls. Prints a
fingerprint of the token it got (never the token itself).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import time
from pathlib import Path

from int_hubspot.config.oauth import load_oauth_settings
from int_hubspot.config.settings import load_settings
from int_hubspot_service.hubspot.token_manager import RefreshPolicy, TokenManager
from int_hubspot_service.oauth.services import OAuthServices


async def main(portal_id: str, offset_s: float, start_flag: Path) -> str:
    settings = load_oauth_settings(os.environ, load_settings(os.environ))
    assert settings is not None
    services = OAuthServices.build(settings)
    manager = TokenManager(
        services.store,
        services.locks,
        services.hubspot,
        RefreshPolicy(margin_s=300),
        clock=lambda: time.time() + offset_s,
    )
    try:
        while not start_flag.exists():
            await asyncio.sleep(0.05)
        tokens = await asyncio.gather(*(manager.get_access_token(portal_id) for _ in range(5)))
        assert len(set(tokens)) == 1
        return hashlib.sha256(tokens[0].encode()).hexdigest()[:16]
    finally:
        await services.aclose()


if __name__ == "__main__":
    print(asyncio.run(main(sys.argv[1], float(sys.argv[2]), Path(sys.argv[3]))))
