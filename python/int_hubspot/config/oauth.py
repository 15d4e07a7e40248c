"""OAuth, Keycloak and token-store settings read from `INT_HUBSPOT_*` environment variables.

OAuth is off unless `INT_HUBSPOT_HUBSPOT_CLIENT_ID` is set (or `INT_HUBSPOT_OAUTH_ENABLED=true`, which then
requires it). `load_oauth_settings(environ, settings)` is pure like `load_settings`: it returns None when
OAuth is off, a frozen `OAuthSettings` otherwise, and raises `ConfigError` listing every invalid variable.
Secrets and keys are kept as bytes and never appear in a repr.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from int_hubspot.config.settings import ConfigError, EnvironmentReader, Settings
from int_hubspot.ratelimit.portal import HUBSPOT_LIMIT_PER_10S, HUBSPOT_SEARCH_LIMIT_PER_S

__all__ = ["OAuthSettings", "TokenKeys", "load_oauth_settings"]

DEFAULT_SCOPES = ("oauth", "crm.objects.contacts.read")
STATE_KEY_MIN_BYTES = 32
TOKEN_KEY_BYTES = 32  # AES-256


@dataclass(frozen=True)
class TokenKeys:
    """AES-256 keys for the token store by key id; the first key encrypts, every key decrypts."""

    keys: tuple[tuple[str, bytes], ...] = field(repr=False)

    def __repr__(self) -> str:
        return f"TokenKeys(ids={[key_id for key_id, _ in self.keys]}, keys=<redacted>)"

    @property
    def current_id(self) -> str:
        return self.keys[0][0]


@dataclass(frozen=True)
class OAuthSettings:
    """Validated settings of the OAuth install flow, the Keycloak token store and token refresh."""

    hubspot_client_id: str
    hubspot_client_secret: bytes = field(repr=False)
    redirect_url: str
    scopes: tuple[str, ...]
    optional_scopes: tuple[str, ...]
    state_key: bytes = field(repr=False)
    token_keys: TokenKeys
    keycloak_client_secret: bytes = field(repr=False)
    keycloak_url: str = "http://127.0.0.1:8180"
    keycloak_realm: str = "ameide"
    keycloak_client_id: str = "int-hubspot-gateway"
    keycloak_admin_role: str = "hubspot-tenant-admin"
    tenants_topic: str = "hubspot.tenants"
    hubspot_api_url: str = "https://api.hubapi.com"
    hubspot_app_url: str = "https://app.hubspot.com"
    state_ttl_s: int = 600
    refresh_margin_s: int = 300
    http_timeout_s: float = 10.0
    # Outbound HubSpot API budget of this process per portal (see docs/hubspot-api.md).
    api_rate_limit_per_10s: int = 100
    api_search_rate_per_s: int = 4
    api_max_concurrent_per_portal: int = 8


def load_oauth_settings(environ: Mapping[str, str], settings: Settings) -> OAuthSettings | None:
    """Build `OAuthSettings` from `environ`; return None when OAuth is off, raise `ConfigError` when invalid.

    `settings` supplies the public URL (the default redirect URL) and the app client secret. HubSpot uses
    the same secret to sign webhooks and to authenticate the token exchange. The current (first) value of
    `INT_HUBSPOT_CLIENT_SECRET` is therefore the one sent to the token endpoint.
    """
    reader = _OAuthReader(environ)
    client_id = reader.raw("INT_HUBSPOT_HUBSPOT_CLIENT_ID")
    enabled = reader.flag("INT_HUBSPOT_OAUTH_ENABLED", default=client_id is not None)
    if not enabled:
        if reader.problems:
            raise ConfigError(reader.problems)
        return None
    if client_id is None:
        reader.problems.append(
            "INT_HUBSPOT_HUBSPOT_CLIENT_ID is missing; set it to the HubSpot app's client id "
            "or set INT_HUBSPOT_OAUTH_ENABLED=false"
        )

    oauth = OAuthSettings(
        hubspot_client_id=client_id or "",
        hubspot_client_secret=settings.client_secrets.values[0] if settings.client_secrets.values else b"",
        redirect_url=reader.url(
            "INT_HUBSPOT_OAUTH_REDIRECT_URL", settings.public_url + "/oauth/callback", strip_slash=False
        ),
        scopes=reader.scopes("INT_HUBSPOT_OAUTH_SCOPES", DEFAULT_SCOPES),
        optional_scopes=reader.scopes("INT_HUBSPOT_OAUTH_OPTIONAL_SCOPES", ()),
        state_key=reader.state_key("INT_HUBSPOT_STATE_KEY"),
        token_keys=reader.token_keys("INT_HUBSPOT_TOKEN_KEYS"),
        keycloak_client_secret=reader.required_secret(
            "INT_HUBSPOT_KEYCLOAK_CLIENT_SECRET", "the secret of the gateway's Keycloak client"
        ),
        keycloak_url=reader.url("INT_HUBSPOT_KEYCLOAK_URL", "http://127.0.0.1:8180"),
        keycloak_realm=reader.name("INT_HUBSPOT_KEYCLOAK_REALM", "ameide"),
        keycloak_client_id=reader.name("INT_HUBSPOT_KEYCLOAK_CLIENT_ID", "int-hubspot-gateway"),
        keycloak_admin_role=reader.name("INT_HUBSPOT_KEYCLOAK_ADMIN_ROLE", "hubspot-tenant-admin"),
        tenants_topic=reader.topic("INT_HUBSPOT_TENANTS_TOPIC", "hubspot.tenants"),
        hubspot_api_url=reader.url("INT_HUBSPOT_HUBSPOT_API_URL", "https://api.hubapi.com"),
        hubspot_app_url=reader.url("INT_HUBSPOT_HUBSPOT_APP_URL", "https://app.hubspot.com"),
        state_ttl_s=reader.integer("INT_HUBSPOT_STATE_TTL_S", 600, 60, 3_600),
        refresh_margin_s=reader.integer("INT_HUBSPOT_REFRESH_MARGIN_S", 300, 30, 1_500),
        http_timeout_s=float(reader.integer("INT_HUBSPOT_HTTP_TIMEOUT_S", 10, 1, 60)),
        # HubSpot allows 110 requests per 10 s and 5 searches per second per portal. The upper bounds
        # reject a budget above those limits for a single process.
        api_rate_limit_per_10s=reader.integer(
            "INT_HUBSPOT_HUBSPOT_RATE_LIMIT_PER_10S", 100, 1, HUBSPOT_LIMIT_PER_10S
        ),
        api_search_rate_per_s=reader.integer(
            "INT_HUBSPOT_HUBSPOT_SEARCH_RATE_PER_S", 4, 1, HUBSPOT_SEARCH_LIMIT_PER_S
        ),
        api_max_concurrent_per_portal=reader.integer(
            "INT_HUBSPOT_HUBSPOT_MAX_CONCURRENT_PER_PORTAL", 8, 1, 64
        ),
    )
    if not oauth.hubspot_client_secret:
        reader.problems.append("INT_HUBSPOT_CLIENT_SECRET is missing; the token exchange needs it")
    if reader.problems:
        raise ConfigError(reader.problems)
    return oauth


def parse_token_keys(value: str) -> TokenKeys:
    """Parse `kid1:base64key,kid2:base64key` into `TokenKeys`; raise ValueError naming the bad entry."""
    keys: list[tuple[str, bytes]] = []
    for entry in (item.strip() for item in value.split(",")):
        if not entry:
            continue
        key_id, separator, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not separator or not key_id:
            raise ValueError(f"entry {key_id or '?'!r} must be KEY_ID:BASE64_KEY")
        if not all(ch.isalnum() or ch in "-_" for ch in key_id) or len(key_id) > 32:
            raise ValueError(f"key id {key_id!r} must be 1-32 letters, digits, '-' or '_'")
        if any(existing == key_id for existing, _ in keys):
            raise ValueError(f"key id {key_id!r} appears twice")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"the key of {key_id!r} is not valid base64") from None
        if len(key) != TOKEN_KEY_BYTES:
            raise ValueError(f"the key of {key_id!r} is {len(key)} bytes; AES-256 needs {TOKEN_KEY_BYTES}")
        keys.append((key_id, key))
    if not keys:
        raise ValueError("no key given")
    return TokenKeys(tuple(keys))


class _OAuthReader(EnvironmentReader):
    """Reads the OAuth variables one by one and collects every problem."""

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        self.problems.append(f"{name}={value!r} is not a boolean; use true or false")
        return default

    def url(self, name: str, default: str, strip_slash: bool = True) -> str:
        """Read an absolute URL; base URLs lose a trailing slash because paths are appended to them."""
        value = self.raw(name) or default
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.problems.append(f"{name}={value!r} must be an absolute http(s) URL")
        if parts.query or parts.fragment:
            self.problems.append(f"{name}={value!r} must not carry a query string or fragment")
        return value.rstrip("/") if strip_slash else value

    def name(self, name: str, default: str) -> str:
        value = self.raw(name) or default
        if not all(ch.isalnum() or ch in "._-" for ch in value):
            self.problems.append(f"{name}={value!r} may hold only letters, digits, '.', '_' and '-'")
        return value

    def topic(self, name: str, default: str) -> str:
        value = self.name(name, default)
        if len(value) > 249:
            self.problems.append(f"{name} is longer than Kafka's 249-character limit for topic names")
        return value

    def scopes(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.raw(name)
        if value is None:
            return default
        items = tuple(dict.fromkeys(item for item in value.replace(",", " ").split() if item))
        invalid = [item for item in items if not all(ch.isalnum() or ch in "._-" for ch in item)]
        if invalid:
            self.problems.append(f"{name} holds invalid scope names: {', '.join(map(repr, invalid))}")
        return items

    def required_secret(self, name: str, what: str) -> bytes:
        value = self.raw(name)
        if value is None:
            self.problems.append(f"{name} is missing; set it to {what}")
            return b""
        return value.encode()

    def state_key(self, name: str) -> bytes:
        value = self.raw(name)
        if value is None:
            self.problems.append(
                f"{name} is missing; set it to a random string of at least {STATE_KEY_MIN_BYTES} characters "
                "(for example: openssl rand -base64 32)"
            )
            return b""
        if len(value.encode()) < STATE_KEY_MIN_BYTES:
            self.problems.append(f"{name} is shorter than {STATE_KEY_MIN_BYTES} characters")
        return value.encode()

    def token_keys(self, name: str) -> TokenKeys:
        value = self.raw(name)
        if value is None:
            self.problems.append(
                f"{name} is missing; set it to KEY_ID:BASE64_KEY with a 32-byte key "
                "(for example: k1:$(openssl rand -base64 32)); list older keys after the current one"
            )
            return TokenKeys(())
        try:
            return parse_token_keys(value)
        except ValueError as error:
            # The message names key ids only, never key material.
            self.problems.append(f"{name} is invalid: {error}")
            return TokenKeys(())
