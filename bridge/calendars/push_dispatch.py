"""The WebDAV-Push dispatcher: wakes each subscribed device when its collection's sync token
has moved past the one the device last heard of.

Every source of change moves a collection's token: a calendar client's write, the cockpit,
the HQ commands, an import run and its status sweep (through the seam HQ's writes publish
on, into the change log: ``bridge.calendars.hq_changes``), and a settings change or a new day
that moves the synchronization window (a token holds the window's bounds). So the
dispatcher compares tokens, the way a client would, instead of listening for changes: what
changed while no dispatcher ran is still sent when one runs again, and nothing needs to say
that it changed something.

A pass (:func:`dispatch`), whenever the change log moved (or devices wait, or every
:data:`FULL_PASS`), reads in one snapshot every live subscription that may be sent
to now and its collection's token; sends a ``push-message`` (the topic and the new token) to
each whose device has not heard of that token; and keeps what became of each message:
delivered (the device has heard of the token), gone (the push service answered 404 or 410,
the push resource became unsafe, or the registrant may no longer read the collection: the
subscription is removed) or failed (retried after a growing pause). A device is sent at most
one message per :data:`MERGE` (a burst of changes — an import — wakes it once, then once
more with the last token), and a device whose own change brought the token (it sent
``Push-Dont-Notify`` naming its registration, or ``*``: :func:`heard_own_change`) is not
woken by it.

One process at a time dispatches for a database (``bridge.infra.leases``), whichever worker
or machine it is; ``bridge serve`` runs the loop (:class:`Dispatcher`).
"""

import logging
import threading
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bridge.calendars import changes
from bridge.calendars.collections import get_collections
from bridge.calendars.push import (
    TOPIC_SECRET,
    Watched,
    forget_expired,
    push_target,
    topic,
    watched,
)
from bridge.calendars.store import CalendarStore
from bridge.calendars.tokens import in_namespace
from bridge.hq.roles import Staff
from bridge.infra import leases, web_push
from bridge.infra.db import transaction
from bridge.infra.secrets import shared_secret
from bridge.infra.web_push import Delivery, Message, Outcome, Sender
from bridge.models import Employee, PushSubscription

logger = logging.getLogger("bridge.push")

NAMESPACE = "https://bitfire.at/webdav-push"
LEASE_NAME = "push-dispatcher"
MERGE = timedelta(seconds=10)
"""The least time between two messages to one device, by default (``[storage]
push_merge_seconds``)."""
FIRST_RETRY, LAST_RETRY = timedelta(seconds=30), timedelta(hours=1)
"""The pause after a failed delivery: doubled with each failure in a row, up to the last."""
TTL = 86_400
"""Seconds a push service keeps a message for a device that is offline."""
MOST_PER_PASS = 2_000
"""Messages one pass sends at most (the rest: the next pass)."""
SENDING_THREADS = 8
INTERVAL = 0.5
"""Seconds between looks at the change log (a change committed in this process wakes the
dispatcher at once; one of another process is seen at the next look)."""
FORGET_EVERY = timedelta(hours=1)
"""How often expired subscriptions are removed (none is sent to meanwhile)."""
FULL_PASS = timedelta(seconds=10)
"""The longest between two passes while the change log stands still (a settings change or a
new day moves a window, and a token with it, without a change of the log)."""
LEASE = timedelta(seconds=10)
"""How long the lease lasts unless renewed (a dispatcher that died holds it no longer)."""


def may_send(watched: Watched, now: datetime, merge: timedelta = MERGE) -> bool:
    """Whether a message may go to the device now (not within ``merge`` of the last one,
    nor before a failed one's retry)."""
    if watched.retry_at is not None and now < watched.retry_at:
        return False
    return watched.sent_at is None or now >= watched.sent_at + merge


def retry_pause(failures: int) -> timedelta:
    """The pause after ``failures`` failed deliveries in a row (1 or more)."""
    pause: timedelta = FIRST_RETRY * 2 ** min(failures - 1, 20)
    return min(pause, LAST_RETRY)


def push_message(topic_: str, token: str) -> bytes:
    """The draft's ``push-message``: the collection's topic, and its content update with the
    new sync token."""
    root = ET.Element(f"{{{NAMESPACE}}}push-message")
    ET.SubElement(root, f"{{{NAMESPACE}}}topic").text = topic_
    update_ = ET.SubElement(root, f"{{{NAMESPACE}}}content-update")
    ET.SubElement(update_, "{DAV:}sync-token").text = token
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written


@dataclass(frozen=True)
class Wake:
    """A message to send: to whom, and the token (as the collection holds it) it carries."""

    watched: Watched
    token: str
    message: Message


@dataclass
class Report:
    """What one pass did: how many messages came to each outcome (a subscription removed
    because its registrant may no longer read the collection counts as gone)."""

    outcomes: Counter[Outcome] = field(default_factory=Counter)
    waiting: bool = False
    """Some device may not be sent to yet (merged, or a retry): the next pass may have to."""

    def __bool__(self) -> bool:
        return bool(self.outcomes)

    def __str__(self) -> str:
        return ", ".join(f"{self.outcomes[outcome]} {outcome.value}" for outcome in Outcome)


def dispatch(engine: Engine, sender: Sender, now: datetime, namespace: str = "",
             merge: timedelta = MERGE, secret: str | None = None) -> Report:
    """One pass (see the module); ``namespace``: the database's name on a server of several
    (it is in the tokens clients hold); ``secret``: the topics' (read from the database
    without it)."""
    secret = secret or shared_secret(engine, TOPIC_SECRET)
    wakes, unreadable, waiting = _planned(engine, now, namespace, merge, secret)
    report = Report(Counter({Outcome.GONE: len(unreadable)} if unreadable else {}), waiting)
    if not wakes and not unreadable:
        return report
    with ThreadPoolExecutor(SENDING_THREADS) as pool:
        deliveries = list(pool.map(lambda wake: sender.send(wake.message), wakes))
    with transaction(engine) as session:
        _forget(session, unreadable, "its registrant may no longer read the collection")
        for wake, delivery in zip(wakes, deliveries, strict=True):
            _record(session, wake, delivery, now)
            report.outcomes[delivery.outcome] += 1
    return report


def _planned(engine: Engine, now: datetime, namespace: str, merge: timedelta, secret: str
             ) -> tuple[list[Wake], list[Watched], bool]:
    """The messages due now, the subscriptions whose registrant may no longer read their
    collection, and whether some may not be sent to yet — read in one snapshot
    (subscriptions first, then the tokens: a device's own change and its ``known_token`` are
    one commit)."""
    with transaction(engine, write=False) as session:
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        live = watched(session, now)
        ready = [each for each in live if may_send(each, now, merge)]
        waiting = len(ready) < len(live)
        if not ready:
            return [], [], waiting
        staff = Staff.load(session)
        readable = [each for each in ready if _may_read(staff, each)]
        tokens = _tokens(session, {each.path for each in readable}, now)
    wakes = [Wake(each, tokens[each.path], _message(each, secret, tokens[each.path], namespace))
             for each in readable
             if each.path in tokens and tokens[each.path] != each.known_token]
    return (wakes[:MOST_PER_PASS], [each for each in ready if each not in readable],
            waiting or len(wakes) > MOST_PER_PASS)


def _may_read(staff: Staff, watched: Watched) -> bool:
    """Whether the registrant may still read the collection: their own, or a team member's."""
    owner = watched.path.split("/")[0]
    if not staff.is_active(watched.login):
        return False
    return owner == watched.login or owner in staff.team(watched.login)


def _tokens(session: Session, paths: set[str], now: datetime) -> dict[str, str]:
    store = CalendarStore(session, now)
    return {path: store.sync_token(info)
            for path, info in get_collections(session, sorted(paths)).items()}


def _message(watched: Watched, secret: str, token: str, namespace: str) -> Message:
    target = push_target(watched.path) or watched.path
    topic_ = topic(secret, target)
    return Message(watched.push_resource, watched.public_key, watched.auth_secret,
                   push_message(topic_, in_namespace(token, namespace)), topic_, TTL)


def _record(session: Session, wake: Wake, delivery: Delivery, now: datetime) -> None:
    subscription = wake.watched
    if delivery.outcome is Outcome.GONE:
        _forget(session, [subscription], delivery.reason)
    elif delivery.outcome is Outcome.DELIVERED:
        session.execute(  # (unless the device's own change moved it on meanwhile)
            update(PushSubscription)
            .where(PushSubscription.id == subscription.id,
                   PushSubscription.known_token.is_not_distinct_from(subscription.known_token))
            .values(known_token=wake.token))
        session.execute(update(PushSubscription).where(PushSubscription.id == subscription.id)
                        .values(sent_at=now, failures=0, retry_at=None))
    else:
        found = session.get(PushSubscription, subscription.id)
        if found is not None:
            found.failures += 1
            found.retry_at = now + retry_pause(found.failures)
            logger.info("push: a message to %s's subscription %s failed (%s); retried at %s",
                        subscription.login, subscription.id, delivery.reason,
                        found.retry_at.isoformat())


def _forget(session: Session, gone: Iterable[Watched], reason: str) -> None:
    for each in gone:
        session.execute(delete(PushSubscription).where(PushSubscription.id == each.id))
        logger.info("push: %s's subscription %s to %s removed: %s", each.login, each.id, each.path,
                    reason)


def heard_own_change(session: Session, login: str, path: str, registrations: Iterable[str],
                     every: bool, before: str, after: str) -> None:
    """A write by ``login`` to the collection at ``path`` that moved its token from
    ``before`` to ``after`` came with ``Push-Dont-Notify``: the named registrations of
    theirs (``every``, for ``*``: all of theirs on the collection; another user's are never
    named) hear of nothing new — if they had heard of
    ``before``, they have heard of ``after`` (one that had not is still woken, by the other
    change it missed)."""
    target = push_target(path)
    collection = get_collections(session, [target]).get(target) if target else None
    if collection is None or before == after:
        return
    mine = select(Employee.id).where(Employee.login == login).scalar_subquery()
    named = () if every else (PushSubscription.registration.in_(list(registrations)),)
    session.execute(update(PushSubscription)
                    .where(PushSubscription.collection_id == collection.id,
                           PushSubscription.employee_id == mine,
                           PushSubscription.known_token == before, *named)
                    .values(known_token=after))


class Dispatcher:
    """The loop ``bridge serve`` runs for a database: a pass every :data:`INTERVAL` seconds
    while this process holds the lease (another process's passes meanwhile: none)."""

    def __init__(self, engine: Engine, sender: Callable[[], Sender], namespace: str = "",
                 merge: timedelta = MERGE) -> None:
        self._engine = engine
        self._sender = sender
        self._namespace = namespace
        self._merge = merge
        self._holder = f"{uuid.uuid4().hex[:12]}"
        self._stop = threading.Event()
        self._nudged = threading.Event()
        self._unsubscribe: Callable[[], None] | None = None
        self._secret: str | None = None
        self._thread: threading.Thread | None = None
        self._held_until: datetime | None = None
        self._forgotten_at: datetime | None = None
        self._seen: tuple[tuple[int, int], datetime, bool] | None = None
        """Where the change log stood at the last pass, when, and whether devices waited."""

    def start(self) -> None:
        self._unsubscribe = changes.on_committed(self._nudged.set)
        self._thread = threading.Thread(target=self._run, daemon=True, name="push dispatcher")
        self._thread.start()

    def stop(self) -> None:
        """Stop after the pass under way; the lease is left for another process at once."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._stop.set()
        self._nudged.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * web_push.TIMEOUT)
        if self._held_until is not None:
            try:
                leases.release(self._engine, LEASE_NAME, self._holder, datetime.now(UTC))
            except DBAPIError as error:  # (it expires)
                logger.info("push: the dispatcher's lease was not released: %s", error)

    def _run(self) -> None:
        sender: Sender | None = None
        while not self._stop.is_set():
            self._nudged.wait(INTERVAL)
            self._nudged.clear()
            if self._stop.is_set():
                break
            try:
                now = datetime.now(UTC)
                if not self._holding(now):
                    continue
                stand = _stand(self._engine)
                if not self._due(stand, now):
                    continue
                sender = sender or self._sender()
                self._secret = self._secret or shared_secret(self._engine, TOPIC_SECRET)
                report = dispatch(self._engine, sender, now, self._namespace, self._merge,
                                  self._secret)
                self._seen = (stand, now, report.waiting)
                self._forget_expired(now)
                if report:
                    logger.info("push: %s", report)
            except Exception:
                logger.exception("push: a dispatcher pass failed; the next one tries again")

    def _holding(self, now: datetime) -> bool:
        """Whether this process dispatches now: there are live subscriptions (a read; no
        lease is written while nobody subscribed) and it holds the lease (renewed when half
        of it is left)."""
        if not _anyone_subscribed(self._engine, now):
            return False
        if self._held_until is not None and now < self._held_until - LEASE / 2:
            return True
        if leases.hold(self._engine, LEASE_NAME, self._holder, now, LEASE.total_seconds()):
            self._held_until = now + LEASE
            return True
        self._held_until = None
        return False


    def _forget_expired(self, now: datetime) -> None:
        """Remove the subscriptions that expired (at most once per :data:`FORGET_EVERY`)."""
        if self._forgotten_at is not None and now < self._forgotten_at + FORGET_EVERY:
            return
        with transaction(self._engine) as session:
            removed = forget_expired(session, now)
        self._forgotten_at = now
        if removed:
            logger.info("push: %d expired subscription(s) removed", removed)

    def _due(self, stand: tuple[int, int], now: datetime) -> bool:
        """Whether a pass is due: the change log moved, devices waited, or the last full
        pass is :data:`FULL_PASS` old."""
        if self._seen is None:
            return True
        seen, at, waiting = self._seen
        return stand != seen or waiting or now >= at + FULL_PASS


def _stand(engine: Engine) -> tuple[int, int]:
    with transaction(engine, write=False) as session:
        return changes.stand(session)


def _anyone_subscribed(engine: Engine, now: datetime) -> bool:
    with transaction(engine, write=False) as session:
        return session.scalar(select(PushSubscription.id)
                              .where(PushSubscription.expires_at > now).limit(1)) is not None
