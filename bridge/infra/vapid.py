"""The server's VAPID key pair (RFC 8292): made once per HQ database, on first use, and kept
in it (a ``ServerKey``), so that every server process signs its Web Push messages with the
same key, the one clients were shown (WebDAV-Push's ``vapid-public-key``)."""

from dataclasses import dataclass

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid, b64urlencode
from sqlalchemy import Engine

from bridge.infra.secrets import shared_secret

KEY_NAME = "push-vapid-private-key"


@dataclass(frozen=True)
class VapidKeys:
    private_key: str
    """The P-256 private key's raw 32 bytes, base64url (what ``py_vapid.Vapid.from_raw``
    and ``pywebpush`` take)."""
    public_key: str
    """The public key as an uncompressed point, base64url (what clients are shown)."""

    def signer(self) -> Vapid:
        return Vapid.from_raw(self.private_key.encode("ascii"))


def _new_private_key() -> str:
    made = Vapid()
    made.generate_keys()
    raw: bytes = made.private_key.private_numbers().private_value.to_bytes(32, "big")
    return str(b64urlencode(raw))


def vapid_keys(engine: Engine) -> VapidKeys:
    """The database's key pair (made by the first process that asks)."""
    private = shared_secret(engine, KEY_NAME, _new_private_key)
    point = Vapid.from_raw(private.encode("ascii")).public_key.public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint)
    return VapidKeys(private, str(b64urlencode(point)))
