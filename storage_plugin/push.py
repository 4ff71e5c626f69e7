"""WebDAV-Push (draft-bitfire-webdav-push-00) as the calendar server speaks it: the DAV
header says ``webdav-push``; a PROPFIND of a collection that supports push
(``bridge.calendars.push``) answers ``transports`` (Web Push, with the server's VAPID
public key), ``topic`` and ``supported-triggers`` when asked for by name (not under
allprop: RFC 4918 lets live properties of other specifications stay out of it); a POST of
``push-register`` to such a collection registers a device's Web Push subscription; a DELETE
of its registration URL (``/push-registrations/ID``, the registrant's own) removes it.

Only who may read the collection may register (a manager: their team's), and only a push
resource on a public address over https (``bridge.infra.push_urls``; the operator's
``[storage] push_allow`` admits others). Refusals are the draft's: 403 with
``invalid-subscription``, ``push-not-available`` or ``no-supported-trigger``, the reason in
words; XML that cannot be read: 400. A registration is logged with who, which collection,
the push service's host and the expiry, never its push resource's path or its keys (the
path is the capability to wake the device).
"""

import email.utils
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from radicale import types, xmlutils
from radicale.log import logger
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from werkzeug.http import parse_list_header

from bridge.calendars import push
from bridge.calendars.push_dispatch import MERGE, Dispatcher
from bridge.errors import InvalidInput
from bridge.infra.catalog import Catalog
from bridge.infra.db import shared_engine, transaction
from bridge.infra.push_urls import AllowList, UnsafePushResource, check_push_resource
from bridge.infra.secrets import shared_secret
from bridge.infra.vapid import vapid_keys
from bridge.infra.web_push import Sender
from storage_plugin.options import count, flag, option, seconds
from storage_plugin.scheduling import Value, add_properties, asked_properties, written

NAMESPACE = "https://bitfire.at/webdav-push"
FEATURE = "webdav-push"
DEFAULT_CONTACT = "mailto:postmaster@localhost"
REGISTRATIONS = "/push-registrations/"
"""Where registration URLs are (``/push-registrations/ID``)."""

ET.register_namespace("P", NAMESPACE)


def clark(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


TRANSPORTS, TOPIC, SUPPORTED_TRIGGERS = (clark("transports"), clark("topic"),
                                          clark("supported-triggers"))
PROPERTIES = frozenset({TRANSPORTS, TOPIC, SUPPORTED_TRIGGERS})
DEPTH = xmlutils.make_clark("D:depth")
REFUSALS: dict[type[InvalidInput], str] = {
    push.InvalidSubscription: clark("invalid-subscription"),
    UnsafePushResource: clark("invalid-subscription"),
    push.NoSupportedTrigger: clark("no-supported-trigger"),
}
"""The draft's precondition of each refusal (any other: ``push-not-available``)."""
Refuse = Callable[[str, str], types.WSGIResponse]
"""Notes a refusal (precondition, reason) for ``storage_plugin.wsgi`` to answer: a 403."""


@dataclass(frozen=True)
class RegisterRequest:
    """A ``push-register`` body as read."""

    subscription: push.WebPushSubscription
    content_depth: str | None
    property_depth: str | None
    trigger_given: bool
    expires: datetime | None


class Push:
    """Push properties, registration and unregistration for one HQ database."""

    def __init__(self, configuration: Any) -> None:
        self._engine = shared_engine(option(configuration, "database_url") or None)
        settings = push_settings(configuration)
        self._allowed, self._most = settings.allowed, settings.most
        self._lock = threading.Lock()
        self._keys: tuple[str, str] | None = None

    def _secrets(self) -> tuple[str, str]:
        """(the topic secret, the VAPID public key), read from the database once."""
        with self._lock:
            if self._keys is None:
                self._keys = (shared_secret(self._engine, push.TOPIC_SECRET),
                              vapid_keys(self._engine).public_key)
            return self._keys

    def properties(self, body: bytes, asked: ET.Element | None, base_prefix: str,
                   encoding: str) -> bytes:
        """Radicale's PROPFIND answer with the push properties of each collection in it that
        supports push, when they were asked for (by name, or their names)."""
        names = asked_properties(asked)
        if names is None or (names and not names & PROPERTIES):
            return body
        tree = ET.fromstring(body)  # (our own answer, not the client's XML)
        changed = False
        for response in tree.iter(xmlutils.make_clark("D:response")):
            target = push.push_target(_path(response.findtext(xmlutils.make_clark("D:href"))
                                            or "", base_prefix))
            if target is not None:
                add_properties(response, names, self._values(target))
                changed = True
        return written(tree, encoding) if changed else body

    def _values(self, target: str) -> dict[str, Value]:
        secret, public_key = self._secrets()
        web_push = ET.Element(clark("web-push"))
        ET.SubElement(web_push, clark("vapid-public-key"), type="p256ecdsa").text = public_key
        return {TRANSPORTS: [web_push], TOPIC: push.topic(secret, target),
                SUPPORTED_TRIGGERS: [_trigger("content-update", push.CONTENT_DEPTH),
                                     _trigger("property-update", push.PROPERTY_DEPTH)]}

    def register(self, environ: types.WSGIEnviron, base_prefix: str, path: str, user: str,
                 body: ET.Element, refuse: Refuse) -> types.WSGIResponse:
        """A POST of ``push-register`` to the collection at ``path`` (the caller checked
        that ``user`` may read it): 201 new, 204 renewed, or refused (see the module)."""
        now = datetime.now(UTC).replace(microsecond=0)
        try:
            target, asked, triggers = self._checked(path, body)
            subscribed = self._subscribed(user, target, asked.subscription, triggers,
                                          push.lifetime_until(asked.expires, now), now)
        except InvalidInput as error:
            logger.info("push: %s's registration on %s refused: %s", user, path, error)
            return refuse(_refusal(error), str(error))
        logger.info("push: %s %s a subscription to %s (push service %s, %s), until %s",
                    user, "registered" if subscribed.created else "renewed", path,
                    urlsplit(asked.subscription.push_resource).hostname, _described(triggers),
                    subscribed.expires_at.isoformat())
        location = _origin(environ) + base_prefix + REGISTRATIONS + subscribed.registration
        return (201 if subscribed.created else 204, {
            "Location": location,
            "Expires": email.utils.format_datetime(subscribed.expires_at, usegmt=True)},
            None, None)

    def _checked(self, path: str, body: ET.Element
                 ) -> tuple[str, RegisterRequest, push.Triggers]:
        """The collection registered on, the request and the triggers served, all checked
        before the database is written (else the refusal, an InvalidInput)."""
        target = push.push_target(path)
        if target is None:
            raise push.PushNotAvailable("this collection has no push notifications")
        asked = read_register(body)
        push.check_subscription(asked.subscription)
        triggers = push.accepted_triggers(asked.content_depth, asked.property_depth,
                                          asked.trigger_given)
        check_push_resource(asked.subscription.push_resource, self._allowed)
        return target, asked, triggers

    def _subscribed(self, user: str, target: str, subscription: push.WebPushSubscription,
                    triggers: push.Triggers, expires_at: datetime,
                    now: datetime) -> push.Subscribed:
        """The registration made or renewed; the same push resource registered at once by
        two requests makes one of them fail on the table's uniqueness: it is then the
        renewal of the other's."""
        for attempt in (1, 2):
            try:
                with transaction(self._engine) as session:
                    return push.register(session, user, target, subscription, triggers,
                                         expires_at, now, self._most)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def unregister(self, path: str, user: str) -> types.WSGIResponse:
        """A DELETE of a registration URL: 204, or 404 when it is not one of ``user``'s."""
        registration = path[len(REGISTRATIONS):].strip("/")
        with transaction(self._engine) as session:
            removed = push.unregister(session, user, registration) if registration else False
        if not removed:
            return (404, {"Content-Type": "text/plain; charset=utf-8"},
                    "No such push registration of yours (removed, expired or never made).\n",
                    None)
        logger.info("push: %s removed a subscription", user)
        return 204, {}, None, None


@dataclass(frozen=True)
class PushSettings:
    allowed: AllowList
    most: int
    """Live subscriptions per user."""
    contact: str
    """The VAPID ``sub`` claim push services may write to."""
    merge: timedelta
    """The least time between two messages to one device."""


def push_settings(configuration: Any) -> PushSettings:
    """The allow-list, the cap per user and the contact; ValueError naming a bad setting
    (``bridge serve`` checks them before it starts)."""
    try:
        allowed = AllowList.parse(option(configuration, "push_allow"))
    except ValueError as error:
        raise ValueError(f"[storage] push_allow: {error}") from error
    contact = str(option(configuration, "push_contact") or DEFAULT_CONTACT).strip()
    if not contact.startswith(("mailto:", "https://")) or len(contact) < 12:
        raise ValueError(f"[storage] push_contact must be a mailto: or https:// address, "
                         f"not {contact!r}")
    merge = timedelta(seconds=seconds(configuration, "push_merge_seconds",
                                      MERGE.total_seconds()))
    return PushSettings(allowed, count(configuration, "push_most_subscriptions",
                                       push.MOST_SUBSCRIPTIONS), contact, merge)


def start_dispatchers(configuration: Any, catalog: Catalog) -> list[Dispatcher]:
    """The push dispatcher of each database ``bridge serve`` serves, started (none when
    push is off); one process at a time sends for a database, whichever starts it."""
    if push_of(configuration) is None:
        return []
    settings = push_settings(configuration)
    started = []
    for database in catalog.databases:
        engine = shared_engine(database.url)

        def sender(engine: Engine = engine) -> Sender:
            return Sender(vapid_keys(engine), settings.contact, settings.allowed)

        dispatcher = Dispatcher(engine, sender, catalog.mount(database).strip("/"),
                                settings.merge)
        dispatcher.start()
        started.append(dispatcher)
    return started


@dataclass(frozen=True)
class DontNotify:
    """A request's ``Push-Dont-Notify``: the registrations (their ids) not to wake for its
    change, or every one of the user's (``*``)."""

    every: bool
    registrations: frozenset[str]


def dont_notify(value: str | None) -> DontNotify | None:
    """The header as the draft writes it (quoted registration URLs, or ``*``); values that
    are not registration URLs of this server are ignored, as the draft asks."""
    if not value or not value.strip():
        return None
    if value.strip() == "*":
        return DontNotify(True, frozenset())
    found = frozenset(
        path.rsplit(REGISTRATIONS, 1)[1].strip("/")
        for path in (urlsplit(each).path for each in parse_list_header(value))
        if REGISTRATIONS in path and path.rsplit(REGISTRATIONS, 1)[1].strip("/"))
    return DontNotify(False, found) if found else None


def push_of(configuration: Any) -> Push | None:
    """WebDAV-Push, or None when the storage is not ours or ``[storage] push`` is off."""
    if configuration.get("storage", "type") != "storage_plugin.storage" or \
            not flag(configuration, "push", True):
        return None
    return Push(configuration)


def is_registration(path: str) -> bool:
    return (path.rstrip("/") + "/").startswith(REGISTRATIONS)


def is_register(body: ET.Element | None) -> bool:
    return body is not None and body.tag == clark("push-register")


def read_register(root: ET.Element) -> RegisterRequest:
    """What a ``push-register`` body asks (see ``bridge.calendars.push`` for its checks);
    InvalidSubscription when it holds no Web Push subscription."""
    found = root.find(f"{clark('subscription')}/{clark('web-push-subscription')}")
    if found is None:
        raise push.InvalidSubscription("the push-register holds no web-push-subscription")
    key = found.find(clark("subscription-public-key"))
    if key is not None and key.get("type", "p256dh") != "p256dh":
        raise push.InvalidSubscription("the subscription-public-key is not of type p256dh")
    subscription = push.WebPushSubscription(
        *(_text(found, name) for name in ("push-resource", "content-encoding",
                                          "subscription-public-key", "auth-secret")))
    trigger = root.find(clark("trigger"))
    return RegisterRequest(subscription, _depth(trigger, "content-update"),
                    _depth(trigger, "property-update"), trigger is not None,
                    _expires(root.findtext(clark("expires"))))


def _text(parent: ET.Element, name: str) -> str:
    text = (parent.findtext(clark(name)) or "").strip()
    if not text:
        raise push.InvalidSubscription(f"the web-push-subscription has no {name}")
    return text


def _depth(trigger: ET.Element | None, name: str) -> str | None:
    """The depth a trigger requests (None: not requested; no depth element: "0")."""
    element = None if trigger is None else trigger.find(clark(name))
    if element is None:
        return None
    return (element.findtext(DEPTH) or "0").strip().lower()


def _expires(text: str | None) -> datetime | None:
    """The expiry requested (IMF-fixdate); None when none or not one (then the default)."""
    if not text or not text.strip():
        return None
    try:
        when = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _refusal(error: InvalidInput) -> str:
    """The precondition a refusal failed (see :data:`REFUSALS`)."""
    return next((name for kind, name in REFUSALS.items() if isinstance(error, kind)),
                clark("push-not-available"))


def _origin(environ: types.WSGIEnviron) -> str:
    """The scheme and host the client reached the server at (through a reverse proxy: what
    it says in X-Forwarded-Proto and -Host; only the client's own answer carries it)."""
    scheme = environ.get("HTTP_X_FORWARDED_PROTO") or environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_X_FORWARDED_HOST") or environ.get("HTTP_HOST") or \
        f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
    return f"{scheme.split(',')[0].strip()}://{host.split(',')[0].strip()}"


def _described(triggers: push.Triggers) -> str:
    kinds = [kind for kind, on in (("content", triggers.content_update),
                                   ("property", triggers.property_update)) if on]
    return f"{' and '.join(kinds)} updates"


def _trigger(name: str, depth: str) -> ET.Element:
    element = ET.Element(clark(name))
    ET.SubElement(element, DEPTH).text = depth
    return element


def _path(href: str, base_prefix: str) -> str:
    """The path of an href of Radicale's answer, without the server's prefix."""
    path = unquote(urlsplit(href).path)
    return path[len(base_prefix):] if base_prefix and path.startswith(base_prefix) else path
