"""Sending one Web Push message (RFC 8030): encrypted for the device (RFC 8291,
``aes128gcm``) and signed with the server's VAPID key (RFC 8292), by ``pywebpush``.

The push resource is checked again before each message (``bridge.infra.push_urls``: DNS
answers change after a registration), and no redirect is followed: a push service answers
201, a redirect is a failure like any other. What became of the message is an
:class:`Outcome`: a push service that answers 404 or 410 no longer knows the subscription
(it is to be removed); any other failure may pass (it is to be retried later). A sender's
messages share its connections (a burst to one push service — an import waking fifty phones
— is not fifty TLS handshakes)."""

import enum
from dataclasses import dataclass, field
from typing import Any

import requests

from bridge.infra.push_urls import AllowList, UnsafePushResource, check_push_resource
from bridge.infra.vapid import VapidKeys

GONE = frozenset({404, 410})
TIMEOUT = 10.0
"""Seconds a push service may take to answer one message."""
CONNECTIONS_PER_SERVICE = 8
"""Connections kept open to one push service (the dispatcher sends with as many threads)."""


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    GONE = "gone"
    """The push service no longer knows the subscription, or its address became unsafe."""
    FAILED = "failed"


@dataclass(frozen=True)
class Message:
    """One message for one device."""

    push_resource: str
    public_key: str
    """The device's ``p256dh`` key, base64url."""
    auth_secret: str
    body: bytes
    topic: str
    """RFC 8030's ``Topic``: a message not yet delivered is replaced by a newer one of it."""
    ttl: int
    """Seconds the push service keeps the message for a device that is offline."""


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    reason: str
    """What happened, for the log (no key, no path of the push resource)."""


class _NoRedirects(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=CONNECTIONS_PER_SERVICE)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["allow_redirects"] = False
        return super().request(*args, **kwargs)


@dataclass(frozen=True)
class Sender:
    """The server's side of every message: its key, its contact, the operator's allow-list."""

    keys: VapidKeys
    contact: str
    """The VAPID ``sub`` claim: a ``mailto:`` or ``https:`` address of the operator."""
    allowed: AllowList = field(default_factory=AllowList)
    http: requests.Session = field(default_factory=_NoRedirects, compare=False,
                                   repr=False)
    """Its connections (kept between messages; urllib3's pool is thread-safe)."""

    def send(self, message: Message) -> Delivery:
        # (imported with the first message, not with the server: it brings aiohttp, a fifth
        # of a second of every start of `bridge serve`)
        from pywebpush import WebPushException, webpush

        try:
            check_push_resource(message.push_resource, self.allowed)
        except UnsafePushResource as error:
            return Delivery(Outcome.GONE, f"its push resource may not be sent to: {error}")
        try:
            webpush({"endpoint": message.push_resource,
                     "keys": {"p256dh": message.public_key, "auth": message.auth_secret}},
                    data=message.body.decode("utf-8"), vapid_private_key=self.keys.signer(),
                    vapid_claims={"sub": self.contact}, content_encoding="aes128gcm",
                    ttl=message.ttl, timeout=TIMEOUT, requests_session=self.http,
                    headers={"Topic": message.topic, "Urgency": "normal",
                             "Content-Type": 'application/xml; charset="UTF-8"'})
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            return Delivery(Outcome.GONE if status in GONE else Outcome.FAILED,
                            f"the push service answered {status}")
        except (requests.RequestException, ValueError, TypeError) as error:
            return Delivery(Outcome.FAILED, f"not sent: {type(error).__name__}")
        return Delivery(Outcome.DELIVERED, "delivered")
