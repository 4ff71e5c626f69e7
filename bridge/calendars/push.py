"""WebDAV-Push (draft-bitfire-webdav-push-00): which collections a client may subscribe
to, under which topic, what a registration must hold, how long it lasts, and the
registrations themselves. The protocol's XML is ``storage_plugin.push``'s; sending the
messages is the dispatcher's (``bridge.calendars.push_dispatch``), which reads
:func:`watched`.

- Every collection of a representative that the server provisions (appointments, tasks,
  mobile, customers) supports push, and so does a manager's view of one
  (``bridge.calendars.team``), under the topic of the collection it shows: the same items
  and sync tokens, the same changes. Collections a client made itself do not.
- A topic is an HMAC of the collection's path with a secret of the database: stable,
  unique, 32 base64url characters, and nothing of the path (the login) can be read from it.
- Triggers: content updates (depth 1: the members) and property updates (depth 0); a
  deeper request is served at the depth supported, a registration without any trigger (as
  DAVx5 4.5.19 sends it) as a content update.
- A subscription lasts what the client asked, within :data:`LEAST_LIFETIME` and
  :data:`MOST_LIFETIME` (:data:`DEFAULT_LIFETIME` if it asked nothing); a registration of the
  same push resource on the same collection renews it, under the same registration URL.
- A new subscription has heard of the collection's token of the moment it was made: the
  dispatcher (``bridge.calendars.push_dispatch``) wakes it once the token moves on.
- Each employee has at most so many live subscriptions (``[storage]
  push_most_subscriptions``): a phone that re-registers with a new push resource each time
  without unregistering cannot fill the table.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, aliased

from bridge.calendars import team
from bridge.calendars.collections import get_collections
from bridge.calendars.store import CalendarStore
from bridge.errors import InvalidInput
from bridge.hq.placement import Projection
from bridge.models import DavCollection, Employee, PushSubscription

TOPIC_SECRET = "push-topics"
"""The ``ServerKey`` topics are made with."""
TOPIC_BYTES = 24
"""32 base64url characters: the draft's limit."""
LEAST_LIFETIME = timedelta(days=3)
DEFAULT_LIFETIME = timedelta(days=7)
MOST_LIFETIME = timedelta(days=30)
MOST_SUBSCRIPTIONS = 20
"""Live subscriptions per employee, by default."""
CONTENT_ENCODING = "aes128gcm"
CONTENT_DEPTH, PROPERTY_DEPTH = "1", "0"
"""The deepest triggers supported (content updates of the members, properties of the
collection itself)."""
DEPTHS = ("0", "1", "infinity")


class InvalidSubscription(InvalidInput):
    """The registration holds no subscription that can be used (the draft's
    ``invalid-subscription``)."""


class NoSupportedTrigger(InvalidInput):
    """None of the registration's triggers is supported (``no-supported-trigger``)."""


class PushNotAvailable(InvalidInput):
    """Push is not available here, or not to this user (``push-not-available``)."""


@dataclass(frozen=True)
class WebPushSubscription:
    push_resource: str
    content_encoding: str
    public_key: str
    """``subscription-public-key`` (type p256dh), base64url."""
    auth_secret: str


@dataclass(frozen=True)
class Triggers:
    content_update: bool
    property_update: bool


@dataclass(frozen=True)
class Subscribed:
    registration: str
    created: bool
    """A new registration (else the renewal of one)."""
    expires_at: datetime


@dataclass(frozen=True)
class Watched:
    """A live subscription, as the dispatcher reads it."""

    id: int
    login: str
    """Who registered it (whether they may still read the collection is the dispatcher's to
    check: a manager's team changes)."""
    path: str
    """The collection it is about (a manager's view: the representative's collection)."""
    push_resource: str
    public_key: str
    auth_secret: str
    known_token: str | None
    sent_at: datetime | None
    retry_at: datetime | None


def push_target(path: str) -> str | None:
    """The path of the collection whose changes a subscription at ``path`` is about (a
    manager's view: the representative's collection), None where push is not supported."""
    parts = [part for part in path.strip("/").split("/") if part]
    if len(parts) != 2:
        return None
    view = team.parse_view(parts[1])
    if view is not None:
        return f"{view[0]}/{view[1].value}"
    return "/".join(parts) if parts[1] in {kind.value for kind in Projection} else None


def topic(secret: str, target: str) -> str:
    """The push topic of the collection at ``target`` (see the module)."""
    digest = hmac.new(secret.encode(), target.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:TOPIC_BYTES]).decode("ascii")


def check_subscription(subscription: WebPushSubscription) -> None:
    """Nothing when the subscription's encryption can be used; else InvalidSubscription."""
    if subscription.content_encoding != CONTENT_ENCODING:
        raise InvalidSubscription(f"the content-encoding must be {CONTENT_ENCODING}")
    key = _decoded(subscription.public_key, "subscription-public-key")
    if len(key) != 65 or key[0] != 4:
        raise InvalidSubscription("the subscription-public-key is not an uncompressed "
                                  "P-256 point (65 bytes)")
    if len(_decoded(subscription.auth_secret, "auth-secret")) != 16:
        raise InvalidSubscription("the auth-secret is not 16 bytes")


def accepted_triggers(content_depth: str | None, property_depth: str | None,
                      trigger_given: bool) -> Triggers:
    """The triggers served of those requested (their depths: None for not requested);
    NoSupportedTrigger if none. No trigger element at all: a content update."""
    if not trigger_given:
        return Triggers(content_update=True, property_update=False)
    for depth in (content_depth, property_depth):
        if depth is not None and depth not in DEPTHS:
            raise NoSupportedTrigger(f"{depth[:20]!r} is not a depth (0, 1, infinity)")
    if content_depth is None and property_depth is None:
        raise NoSupportedTrigger("the trigger requests neither content-update nor "
                                 "property-update")
    return Triggers(content_update=content_depth is not None,
                    property_update=property_depth is not None)


def lifetime_until(requested: datetime | None, now: datetime) -> datetime:
    """When a subscription registered ``now`` expires (see the module)."""
    wanted = DEFAULT_LIFETIME if requested is None else requested - now
    return now + min(max(wanted, LEAST_LIFETIME), MOST_LIFETIME)


def register(session: Session, login: str, target: str, subscription: WebPushSubscription,
             triggers: Triggers, expires_at: datetime, now: datetime,
             most: int = MOST_SUBSCRIPTIONS) -> Subscribed:
    """``login``'s subscription to the collection at ``target`` (checked: see
    ``bridge.infra.push_urls`` for its push resource), new or renewed; PushNotAvailable
    when the collection is not there, the push resource is another user's, or ``login``
    has ``most`` live ones already."""
    employee_id = session.scalar(select(Employee.id).where(Employee.login == login))
    collection = get_collections(session, [target]).get(target)
    if employee_id is None or collection is None:
        raise PushNotAvailable("this collection has no push notifications")
    found = session.scalar(select(PushSubscription).where(
        PushSubscription.collection_id == collection.id,
        PushSubscription.push_resource == subscription.push_resource))
    if found is not None and found.employee_id != employee_id:
        raise PushNotAvailable("this push resource is registered by another user")
    created = found is None
    if found is None:
        _check_room(session, employee_id, now, most)
        found = PushSubscription(registration=secrets.token_urlsafe(24),
                                 employee_id=employee_id, collection_id=collection.id,
                                 push_resource=subscription.push_resource, created_at=now,
                                 known_token=CalendarStore(session, now).sync_token(collection),
                                 failures=0)
        session.add(found)
    found.public_key, found.auth_secret = subscription.public_key, subscription.auth_secret
    found.content_update = triggers.content_update
    found.property_update = triggers.property_update
    found.expires_at = expires_at
    session.flush()
    return Subscribed(found.registration, created, expires_at)


def unregister(session: Session, login: str, registration: str) -> bool:
    """Removes ``login``'s registration; False when they have none of that name."""
    employee_id = select(Employee.id).where(Employee.login == login).scalar_subquery()
    removed = session.execute(delete(PushSubscription).where(
        PushSubscription.registration == registration,
        PushSubscription.employee_id == employee_id))
    return bool(getattr(removed, "rowcount", 0))


def watched(session: Session, now: datetime) -> list[Watched]:
    """The live subscriptions to content updates, oldest first (every message the
    dispatcher sends is one: the properties of the collections — their names, colours — are
    not what their tokens follow)."""
    registrant = aliased(Employee)
    rows = session.execute(
        select(PushSubscription, registrant.login, DavCollection.path)
        .join(registrant, registrant.id == PushSubscription.employee_id)
        .join(DavCollection, DavCollection.id == PushSubscription.collection_id)
        .where(PushSubscription.expires_at > now, PushSubscription.content_update.is_(True))
        .order_by(PushSubscription.id))
    return [Watched(row.id, login, path, row.push_resource, row.public_key, row.auth_secret,
                    row.known_token, row.sent_at, row.retry_at) for row, login, path in rows]


def forget_expired(session: Session, now: datetime) -> int:
    """Removes every expired subscription (nothing is sent to them: see
    :func:`live_subscriptions`); how many."""
    removed = session.execute(delete(PushSubscription).where(
        PushSubscription.expires_at <= now))
    return int(getattr(removed, "rowcount", 0) or 0)


def _check_room(session: Session, employee_id: int, now: datetime, most: int) -> None:
    """Room for one more of the employee's subscriptions (their expired ones removed)."""
    session.execute(delete(PushSubscription).where(
        PushSubscription.employee_id == employee_id, PushSubscription.expires_at <= now))
    live = session.scalar(select(func.count()).select_from(PushSubscription).where(
        PushSubscription.employee_id == employee_id)) or 0
    if live >= most:
        raise PushNotAvailable(
            f"you have {live} push subscriptions, the most this server keeps per user: "
            "unregister one (or let it expire) first")


def _decoded(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.strip() + "=" * (-len(text.strip()) % 4), b"-_",
                                validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidSubscription(f"the {what} is not base64url") from error
