"""The stored form of an encrypted token: AES-256-GCM with the key id and its context in the value.

A stored value reads `hsenc:v1:<key id>:<base64url(nonce | ciphertext | tag)>`, with a random 96-bit
nonce per value. The associated data binds the value to its place: the format version, the key id, the
tenant (portal id) and the attribute name. A value copied to another tenant or attribute therefore
fails to decrypt, and so does one whose key id was edited.

NOTE: random 96-bit nonces keep the chance of a nonce collision negligible only up to about 2^32
values per key (NIST SP 800-38D guidance), so rotate keys long before that many tokens are written.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from int_hubspot.config.oauth import TokenKeys

__all__ = ["EnvelopeError", "TokenCipher"]

PREFIX = "hsenc:v1:"
NONCE_BYTES = 12


class EnvelopeError(ValueError):
    """A stored token cannot be decrypted: unknown format or key id, or a failed authentication tag."""


class TokenCipher:
    """Encrypts token values with the current key and decrypts values written under any known key."""

    def __init__(self, keys: TokenKeys) -> None:
        if not keys.keys:
            raise ValueError("TokenCipher needs at least one key")
        self._keys = {key_id: AESGCM(key) for key_id, key in keys.keys}
        self.current_key_id = keys.current_id

    def __repr__(self) -> str:
        return f"TokenCipher(current_key_id={self.current_key_id!r}, key_ids={sorted(self._keys)})"

    def encrypt(self, plaintext: str, tenant: str, attribute: str) -> str:
        """Return the stored form of `plaintext` for `attribute` of `tenant`, under the current key."""
        nonce = os.urandom(NONCE_BYTES)
        aad = _associated_data(self.current_key_id, tenant, attribute)
        sealed = self._keys[self.current_key_id].encrypt(nonce, plaintext.encode(), aad)
        return f"{PREFIX}{self.current_key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str, tenant: str, attribute: str) -> str:
        """Return the plaintext of `stored`, or raise `EnvelopeError` when it fails for this place."""
        key_id = self.key_id_of(stored)
        cipher = self._keys.get(key_id)
        if cipher is None:
            raise EnvelopeError(
                f"{attribute} of tenant {tenant} is encrypted under key id {key_id!r}, "
                "which INT_HUBSPOT_TOKEN_KEYS does not list"
            )
        try:
            blob = base64.urlsafe_b64decode(stored[len(PREFIX) + len(key_id) + 1 :])
        except (binascii.Error, ValueError):
            raise EnvelopeError(f"{attribute} of tenant {tenant} is not valid base64") from None
        if len(blob) < NONCE_BYTES + 16:
            raise EnvelopeError(f"{attribute} of tenant {tenant} is too short to be a sealed value")
        try:
            plaintext = cipher.decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated_data(key_id, tenant, attribute)
            )
        except InvalidTag:
            raise EnvelopeError(
                f"{attribute} of tenant {tenant} failed authentication: wrong key, or the value "
                "belongs to another tenant or attribute"
            ) from None
        return plaintext.decode()

    def key_id_of(self, stored: str) -> str:
        """Return the key id of a stored value, or raise `EnvelopeError` when it is not in this format."""
        if not stored.startswith(PREFIX):
            raise EnvelopeError("value is not in the hsenc:v1 format")
        key_id, separator, _ = stored[len(PREFIX) :].partition(":")
        if not separator or not key_id:
            raise EnvelopeError("value has no key id")
        return key_id

    def needs_reencryption(self, stored: str) -> bool:
        """True when `stored` was written under a key other than the current one."""
        return self.key_id_of(stored) != self.current_key_id


def _associated_data(key_id: str, tenant: str, attribute: str) -> bytes:
    # Each part is length-prefixed so that no two different (key id, tenant, attribute) triples give
    # the same bytes.
    parts = ("hsenc:v1", key_id, tenant, attribute)
    return b"".join(len(part.encode()).to_bytes(2, "big") + part.encode() for part in parts)
