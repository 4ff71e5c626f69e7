"""The WSGI application `bridge serve` runs: Radicale's, plus what its plugin hooks cannot do.

**ETags of rewritten items.** Radicale answers every PUT with the ETag of the stored item. When
the storage serves something other than what the client sent (a write back to HQ: the number
in the summary, HQ's text, X-BRIDGE-* properties), RFC 4791 §5.3.4 says the answer must carry
no ETag, so that the client fetches the server's version instead of keeping its own. The
storage says so through :func:`request_notes`; this layer drops the header.

**Failed CalDAV preconditions.** Radicale answers a refused write with a fixed text; when the
storage refused it for a CalDAV precondition (an item outside the synchronization window:
``CALDAV:min-date-time`` / ``max-date-time``), the 403 carries that precondition as RFC 4918
§16 asks, so that a client can tell why.

**Refusals that say why, at once.** A signed-in user's refused write (403) says which rule
refused it ("appointments from the mobile app are read-only…", from
``bridge.calendars.access`` or the storage) instead of Radicale's fixed text, and is answered
without Radicale's delay: only answers to what may be password guessing (401, and 403
without credentials) are delayed.

**Fast reads.** Multigets, sync-collections and PROPFIND Depth 1 of a calendar's items are
answered by ``storage_plugin.fast_reads`` when they take its common forms (equal answers,
written without Radicale's XML tree, and sent in the parts they were written in, compressed
as they were written: the data of 10 000 items is not held twice). A poll the server
answered before (the same ctag / sync-token PROPFIND of the same client) is answered again
before anything else, re-deciding only what can have changed (``storage_plugin.polls``).

**Locked logins.** A sign-in refused unchecked because of too many failed ones
(``bridge.hq.authentication``) is answered ``429 Too Many Requests`` with ``Retry-After``,
not 401: a client then waits instead of asking its user for the password again. Likewise a
password the sign-in directory could not check (``storage_plugin.directories``) is answered
``503 Service Unavailable`` with ``Retry-After``.

**The web cockpit.** Requests under ``/cockpit/`` go to HQ's web cockpit (``bridge.web``), and
a browser's ``GET /`` is sent there (``storage_plugin.cockpit``). ``/feeds/SECRET.ics`` is a
representative's calendar subscription, read without signing in (``storage_plugin.feeds``);
``/freebusy/LOGIN.vfb`` their busy time, for signed-in colleagues (``storage_plugin.freebusy``).

**Free/busy requests.** ``/scheduling/LOGIN/outbox/`` answers RFC 6638's free/busy requests
("find a time"), and the signed-in user's principal resource names it, their ``mailto:``
address and their (empty) inbox; the DAV header says ``calendar-schedule``
(``storage_plugin.scheduling``). No invitation is delivered.

**WebDAV-Push.** The DAV header says ``webdav-push``; a PROPFIND of a representative's
collection answers the push properties asked for, a POST of ``push-register`` to it registers
a device's Web Push subscription and a DELETE of ``/push-registrations/ID`` removes it
(``storage_plugin.push``; Radicale's own sign-in and rights decide who may).

**Hostile input.** Headers and XML bodies Radicale would fail on get 400 with the reason
(``storage_plugin.screening``), a query of more filters than it tests 403 with the failed
precondition; a MOVE to another server gets 403, not Radicale's 502.

**Bodies over the limits.** A body over ``[server] max_content_length`` is answered ``413`` at
once, unread, by this layer: Radicale checks that limit only under its own server, and under
gunicorn (``--workers``) it read and parsed a 10 MiB PUT instead, past its budget, until the
worker was replaced as stuck (the client got no answer). A PUT over
``max_resource_size`` gets 403 with the ``max-resource-size`` precondition before anything
parses it.

**Write conflicts.** A request whose transaction met a write conflict (``bridge.infra.conflicts``)
was rolled back whole, and Radicale, which knows nothing of it, answered 500. Instead:

- a lost deadlock or serialisation failure is run again whole, with its buffered body, up to
  :data:`RETRIES` times;
- a conflict that persists, or a lock wait that ran out, is answered ``503 Service
  Unavailable`` with ``Retry-After``: the client tries again later, nothing was written.

**Budgets.** Each request may take so many seconds of work (``bridge.infra.budget``:
``[storage] request_budget`` for writes, ``report_budget`` for reads; its thread's CPU time:
waiting for the database or another writer's lock does not count). Work that runs past it
stops at its next check and the request is answered ``503`` with ``Retry-After``, its
transaction rolled back: nothing was changed, and the locks it held are free for the next
writer. One warning line says which request, whose, and after how long.
"""

import base64
import io
import math
import random
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from radicale import httputils, pathutils, types
from radicale.log import logger
from sqlalchemy.exc import SQLAlchemyError

from bridge.calendars.recurrence import WALK_SECONDS, check_calendar
from bridge.calendars.writeback import Forbidden
from bridge.errors import BridgeError
from bridge.infra import budget, conflicts, metrics
from bridge.infra.catalog import Catalog, Database
from storage_plugin import failures, radicale_compat
from storage_plugin.cockpit import cockpit
from storage_plugin.directories import DIRECTORY_UNAVAILABLE
from storage_plugin.directories import RETRY_AFTER_SECONDS as DIRECTORY_RETRY_AFTER
from storage_plugin.fast_reads import Body, FastReads, Poll
from storage_plugin.feeds import feeds
from storage_plugin.freebusy import freebusy
from storage_plugin.notes import RequestNotes, noting, request_notes
from storage_plugin.options import flag, seconds
from storage_plugin.pages import MAX_PHRASE, answer, forbidden, precondition, with_feature
from storage_plugin.polls import Polls
from storage_plugin.proxy import writable
from storage_plugin.push import FEATURE as PUSH_FEATURE
from storage_plugin.push import (
    clark,
    dont_notify,
    is_register,
    is_registration,
    push_of,
)
from storage_plugin.scheduling import scheduling, with_scheduling
from storage_plugin.screening import Refused, screen_headers, screen_xml

RETRIES = 4
RETRY_AFTER_SECONDS = 5
READS = frozenset({"GET", "HEAD", "OPTIONS", "PROPFIND", "REPORT"})
"""Methods whose budget is ``report_budget`` (every other one's is ``request_budget``)."""


class Application(radicale_compat.HookedApplication):
    """The calendar server and cockpit of one HQ database (``database`` of ``catalog`` when
    the server serves several, see ``storage_plugin.databases``)."""

    def __init__(self, configuration: Any, catalog: Catalog | None = None,
                 database: Database | None = None) -> None:
        super().__init__(configuration)
        # Radicale delays every 401 and 403 (against password guessing); this layer delays
        # only what can be a guess, so a signed-in user's refused write is answered at once.
        self._refusal_delay = radicale_compat.auth_delay(self)
        radicale_compat.set_auth_delay(self, 0.0)
        self._fast = FastReads(self, self._polled) if flag(configuration, "fast_reads", True) \
            else None
        self._polls = Polls(self, self._fast) if self._fast is not None else None
        self._scheduling = scheduling(configuration)
        self._push = push_of(configuration)
        self._pages = [pages for pages in (
            cockpit(configuration, catalog, database), feeds(configuration),
            freebusy(configuration), self._scheduling.pages() if self._scheduling else None,
        ) if pages is not None]
        self._write_budget = seconds(configuration, "request_budget",
                                     budget.REQUEST_BUDGET_SECONDS)
        self._read_budget = seconds(configuration, "report_budget", budget.REPORT_BUDGET_SECONDS)
        self._hard_limit = seconds(configuration, "hard_limit", budget.HARD_LIMIT)
        self._recurrence_seconds = seconds(configuration, "recurrence_check_seconds",
                                           WALK_SECONDS)
        failures.install()

    def __call__(self, environ: types.WSGIEnviron,
                 start_response: types.WSGIStartResponse) -> Iterable[bytes]:
        for pages in self._pages:
            page = pages(environ, start_response)
            if page is not None:
                return page
        try:
            screen_headers(environ)
        except Refused as error:
            return answer(start_response, "400 Bad Request", f"{error}\n", [])
        body = _buffered_body(environ, self.configuration.get("server", "max_content_length"))
        if isinstance(body, tuple):
            return answer(start_response, *body)
        # (a PUT too large is refused before anything reads it)
        if environ.get("REQUEST_METHOD") == "PUT" and body and \
                len(body) > radicale_compat.max_resource_size(self):
            return answer(start_response, "403 Forbidden", precondition(_size_limit(environ)),
                          [], "application/xml; charset=utf-8")
        poll = self._polls.key(environ, body) if self._polls is not None else None
        if poll is not None and self._polls is not None:
            answered = self._polls.answer(poll, environ, start_response)
            if answered is not None:
                return answered
        method = environ.get("REQUEST_METHOD", "")
        with budget.limited(self._read_budget if method in READS else self._write_budget,
                            f"{method} {environ.get('PATH_INFO', '')}", _claimed_login(environ),
                            self._hard_limit) as limit:
            try:
                return self._attempts(environ, start_response, body, poll)
            except budget.OverBudget:
                pass
        assert limit is not None  # (only a budget raises OverBudget)
        logger.warning("%s by %s stopped after %.1f s of work, over its budget of %g s: "
                       "answered 503, nothing was changed", limit.what, limit.user or "nobody",
                       limit.spent(), limit.seconds)
        metrics.unavailable(metrics.Cause.BUDGET)
        return answer(start_response, "503 Service Unavailable",
                      f"The request took more than {limit.seconds:g} s of work and was "
                      "stopped; nothing was changed. Please try again later.\n",
                      [("Retry-After", str(RETRY_AFTER_SECONDS))])

    def _attempts(self, environ: types.WSGIEnviron, start_response: types.WSGIStartResponse,
                  body: bytes, poll: bytes | None) -> Iterable[bytes]:
        """Radicale's answer, run again after a lost deadlock (see the module's docstring);
        :class:`budget.OverBudget` once the request's budget is spent. ``poll``: what the
        request is known by among the polls (``storage_plugin.polls``), if it may be one."""
        started = time.monotonic()
        limit = budget.current()
        for attempt in range(RETRIES + 1):
            writable(environ)["wsgi.input"] = io.BytesIO(body)
            captured: list[Any] = []
            notes = RequestNotes(sent=body if environ.get("REQUEST_METHOD") == "PUT" else None,
                                 dont_notify=dont_notify(environ.get("HTTP_PUSH_DONT_NOTIFY")),
                                 path=environ.get("PATH_INFO", ""),
                                 within=getattr(radicale_compat.storage_of(self),
                                                "request_connection", None),
                                 poll_key=poll)
            try:
                with noting(notes), conflicts.watch() as seen, \
                        failures.watching(environ) as failure:
                    answers = super().__call__(  # (start_response is called at once)
                        environ, lambda *args: captured.append(args))  # noqa: B023
                notes.error_id = failure.error_id
            finally:
                getattr(radicale_compat.storage_of(self), "end_request", lambda: None)()
                if limit is not None:
                    limit.user = notes.user or limit.user
                if notes.user:
                    metrics.observation().login = notes.user
            if budget.exceeded():  # (an OverBudget caught on its way: the answer is wrong)
                assert limit is not None  # (only a request's budget is exceeded)
                raise budget.OverBudget(limit)
            if not seen:
                status, headers = captured[0][:2]
                if status.startswith("403") and body and notes.user and not notes.forbidden \
                        and environ.get("REQUEST_METHOD") == "PUT":
                    self._keep_refused_edit(environ, notes.user, body)
                return self._answered(environ, start_response, notes, status, headers, answers)
            if not all(conflict.at_once for conflict in seen) or attempt == RETRIES:
                break
            logger.warning("%s %s met a %s; running it again", environ.get("REQUEST_METHOD"),
                        environ.get("PATH_INFO"), seen[-1].reason)
            time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
        logger.warning("%s %s refused with 503 after %.1f s: %s", environ.get("REQUEST_METHOD"),
                       environ.get("PATH_INFO"), time.monotonic() - started, seen[-1].reason)
        reason = (f"could not use its database ({seen[-1].reason})" if seen[-1].lost else
                  "is busy with another change to the same items; nothing was changed")
        metrics.unavailable(metrics.Cause.DATABASE_LOST if seen[-1].lost else metrics.Cause.BUSY)
        return answer(start_response, "503 Service Unavailable",
                      f"The calendar server {reason}. Please try again.\n",
                      [("Retry-After", str(RETRY_AFTER_SECONDS))])

    def _answered(self, environ: types.WSGIEnviron, start_response: types.WSGIStartResponse,
                  notes: RequestNotes, status: str, headers: list[tuple[str, str]],
                  answers: Iterable[bytes]) -> Iterable[bytes]:
        """Radicale's answer, as this layer corrects it (see the module's docstring)."""
        if status.startswith("401") and (notes.locked_until is not None or notes.unavailable):
            return _unchecked(start_response, notes)
        if status.startswith("401") or (status.startswith("403") and not notes.user):
            time.sleep(self._refusal_delay * random.uniform(0.5, 1.5))
        if notes.precondition and status.startswith("403"):
            return answer(start_response, forbidden(notes.forbidden),
                          precondition(notes.precondition, notes.forbidden), [],
                          "application/xml; charset=utf-8")
        if notes.refusal and status.startswith("400"):
            if notes.refused_for is not None:
                return answer(start_response, forbidden(notes.refusal),
                              precondition(notes.refused_for, notes.refusal), [],
                              "application/xml; charset=utf-8")
            return answer(start_response, status, f"{notes.refusal}\n", [])
        if status.startswith("500") and notes.error_id:
            return answer(start_response, status, "The calendar server failed on this request "
                          f"(error id {notes.error_id}); its log says why.\n", [])
        if status.startswith("502"):  # Radicale's answer to a MOVE to another server
            return answer(start_response, "403 Forbidden",
                           "Items move only within this server.\n", [])
        if status.startswith("403") and notes.user and _plain_text(headers):
            # The reason phrase carries it too: client libraries and sync logs show that.
            reason = notes.forbidden or self._why_refused(environ, notes.user)
            return answer(start_response, forbidden(reason), f"Forbidden: {reason}.\n", [])
        if notes.rewritten:
            headers = [(name, value) for name, value in headers if name.lower() != "etag"]
        headers = [(name, self._features(value) if name.lower() == "dav" else value)
                   for name, value in headers]
        if notes.body is not None:
            headers, answers = _parted(headers, notes.body)
        if (notes.polled is not None and notes.poll_key is not None and self._polls is not None
                and status.startswith("207") and not notes.error_id):
            self._polls.learn(notes.poll_key, notes.polled, status, headers)
        start_response(status, headers)
        return answers

    def _polled(self, poll: Poll) -> None:
        """``fast_reads`` answered the request as a poll (for :meth:`_answered`)."""
        request_notes().polled = poll

    def _features(self, dav: str) -> str:
        """The DAV header's features, with scheduling's and push's."""
        dav = with_scheduling(dav) if self._scheduling is not None else dav
        return with_feature(dav, PUSH_FEATURE) if self._push is not None else dav

    def do_REPORT(self, environ: types.WSGIEnviron, base_prefix: str, path: str, user: str,
                  user_groups: set[str], request_info: dict[str, Any]) -> types.WSGIResponse:
        """Multigets and sync-collections on ``storage_plugin.fast_reads`` when it can; its
        answer's parts are sent as they are (Radicale answers an empty body, replaced in
        :meth:`_answered`)."""
        request = (environ, base_prefix, path, user, user_groups, request_info)
        fast = self._fast and self._fast.report(*request)
        if not fast:
            return super().do_REPORT(*request)
        status, headers, request_notes().body, _ = fast
        return status, headers, b"", None

    def do_PUT(self, environ: types.WSGIEnviron, base_prefix: str, path: str, user: str,
               user_groups: set[str], request_info: dict[str, Any]) -> types.WSGIResponse:
        """A signed-in client's item is checked for recurrences no server should walk
        (``bridge.calendars.recurrence``) before Radicale reads it and before any lock."""
        notes = request_notes()
        if user and notes.sent and not path.endswith(".vcf"):
            try:
                text = notes.sent.decode("utf-8", "replace")
                parsed = check_calendar(text, self._recurrence_seconds)
                # (a body not in UTF-8 or with a NUL is kept as Radicale serializes it)
                notes.parsed = parsed if "\ufffd" not in text and "\x00" not in text else None
            except Forbidden as refused:
                notes.forbidden = str(refused)
                if refused.precondition is None:  # (said in words: see _answered)
                    return 403, {"Content-Type": "text/plain"}, None, None
                notes.precondition = f"C:{refused.precondition}"
                return 403, {}, None, None
        return super().do_PUT(environ, base_prefix, path, user, user_groups, request_info)

    def do_PROPFIND(self, environ: types.WSGIEnviron, base_prefix: str, path: str, user: str,
                    user_groups: set[str], request_info: dict[str, Any]) -> types.WSGIResponse:
        """A calendar's or address book's items on ``storage_plugin.fast_reads`` when it
        can (Radicale answers for the collection itself); the signed-in user's principal
        with its scheduling properties (``storage_plugin.scheduling``), collections with
        their push properties (``storage_plugin.push``)."""
        request = (environ, base_prefix, path, user, user_groups, request_info)
        radicale = super().do_PROPFIND
        answered = (self._fast and self._fast.propfind(
            *request, lambda changed: radicale(changed, *request[1:]))) or radicale(*request)
        status, headers, body, logged = answered
        if not user or status != 207 or not isinstance(body, bytes):
            return answered
        encoding = radicale_compat.request_encoding(self)
        if self._push is not None:
            body = self._push.properties(body, request_notes().xml, base_prefix, encoding)
        if self._scheduling is not None and path in ("/", f"/{user}/"):
            body = self._scheduling.principal(body, request_notes().xml, base_prefix, user,
                                              encoding)
        return status, headers, body, logged

    def do_POST(self, environ: types.WSGIEnviron, base_prefix: str, path: str, user: str,
                user_groups: set[str], request_info: dict[str, Any]) -> types.WSGIResponse:
        """A WebDAV-Push registration on a collection (``storage_plugin.push``); Radicale's
        own POSTs (``/.web``) otherwise."""
        if self._push is None or path.startswith(("/.web", "/.sharing")):
            return super().do_POST(environ, base_prefix, path, user, user_groups, request_info)
        if not user:
            return httputils.NOT_ALLOWED
        try:
            body = radicale_compat.read_xml_body(self, environ, request_info)
        except RuntimeError as error:
            return 400, {"Content-Type": "text/plain; charset=utf-8"}, \
                f"The body is not XML that can be read: {error}.\n", None
        if not is_register(body):
            return super().do_POST(environ, base_prefix, path, user, user_groups, request_info)
        assert body is not None  # (is_register)
        if not radicale_compat.may_read(self, user, user_groups, path):
            return _refused(clark("push-not-available"),
                            "you may not read this collection")
        return self._push.register(environ, base_prefix, path, user, body, _refused)

    def do_DELETE(self, environ: types.WSGIEnviron, base_prefix: str, path: str, user: str,
                  user_groups: set[str], request_info: dict[str, Any]) -> types.WSGIResponse:
        """The removal of a WebDAV-Push registration (its URL); Radicale's DELETE
        otherwise."""
        if self._push is not None and is_registration(path):
            return self._push.unregister(path, user) if user else httputils.NOT_ALLOWED
        return super().do_DELETE(environ, base_prefix, path, user, user_groups, request_info)

    def _keep_refused_edit(self, environ: types.WSGIEnviron, user: str, body: bytes) -> None:
        """The rights refused a representative's PUT (a mobile appointment): the storage
        keeps what it would have changed. The refusal stands whatever happens here."""
        keep = getattr(radicale_compat.storage_of(self), "keep_refused_edit", None)
        if keep is None:
            return
        path = pathutils.sanitize_path(unquote(environ.get("PATH_INFO", "/")))
        try:
            keep(user, path, body.decode("utf-8", "replace"))
        except (BridgeError, SQLAlchemyError, ValueError) as error:
            logger.warning("the refused PUT of %s on %s was not kept: %s", user, path, error)
        finally:
            getattr(radicale_compat.storage_of(self), "end_request", lambda: None)()

    def _why_refused(self, environ: types.WSGIEnviron, user: str) -> str:
        refusal: Callable[[str, str], str] | None = getattr(
            radicale_compat.rights_of(self), "refusal", None)
        if refusal is None:
            return "you may not change this"
        path = pathutils.sanitize_path(unquote(environ.get("PATH_INFO", "/")))
        return refusal(user, path)

    def parse_xml_body(self, environ: types.WSGIEnviron,
                       parse: Callable[[], ET.Element | None]) -> ET.Element | None:
        """Radicale's parse, with hostile XML refused as malformed XML is (400)."""
        try:
            parsed = screen_xml(environ["REQUEST_METHOD"], parse)
        except Refused as error:
            notes = request_notes()
            notes.refusal, notes.refused_for = str(error), error.precondition
            raise RuntimeError(str(error)) from error
        request_notes().xml = parsed  # (which properties a PROPFIND asked for)
        return parsed


def _refused(name: str, reason: str) -> types.WSGIResponse:
    """A 403 for the failed precondition ``name``, the reason in words (see
    :meth:`Application._answered`)."""
    notes = request_notes()
    notes.precondition, notes.forbidden = name, reason
    return 403, {}, None, None


def _claimed_login(environ: types.WSGIEnviron) -> str:
    """The login a request's Basic credentials name (not checked: for the log of a request
    that has not said yet who it is)."""
    scheme, _, credentials = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        return base64.b64decode(credentials.strip(), validate=True).decode(
            "utf-8", "replace").partition(":")[0][:MAX_PHRASE]
    except ValueError:
        return ""


def _parted(headers: list[tuple[str, str]], body: Body
            ) -> tuple[list[tuple[str, str]], list[bytes]]:
    """Radicale's headers for its (empty) answer, with the length and encoding of ``body``."""
    replaced = {"content-length", "content-encoding"}
    return [*((name, value) for name, value in headers if name.lower() not in replaced),
            *[("Content-Encoding", "gzip")] * body.gzip,
            ("Content-Length", str(sum(map(len, body.parts))))], body.parts


def _plain_text(headers: list[tuple[str, str]]) -> bool:
    """Whether Radicale answered with its fixed text (not a precondition's XML body)."""
    return any(name.lower() == "content-type" and value.startswith("text/plain")
               for name, value in headers)


def _buffered_body(environ: types.WSGIEnviron,
                   limit: int) -> bytes | tuple[str, str, list[tuple[str, str]]]:
    """The request body, read once so a retry can replay it; a body over ``limit`` bytes
    (``max_content_length``; 0: none) or unreadable is an answer of its own. A body over the
    limit is not read: the client sees the answer while it sends and stops (the server
    closes the connection after it)."""
    declared = (environ.get("CONTENT_LENGTH") or "0").strip()
    if not (declared.isascii() and declared.isdigit()):  # int() would take "+5" or "1_0"
        return "400 Bad Request", "Content-Length is not a number.\n", []
    length = int(declared)
    if length <= 0:
        return b""
    if 0 < limit < length:
        over = (f"The request body of {length} bytes is over this server's limit of {limit} "
                "bytes (max_content_length); nothing was read or changed.\n")
        return "413 Request Entity Too Large", over, []
    try:
        body: bytes = environ["wsgi.input"].read(length)
    except TimeoutError:
        return "408 Request Timeout", "The request body did not arrive in time.\n", []
    if len(body) < length:
        return "400 Bad Request", "The request body is shorter than its Content-Length.\n", []
    return body


def _size_limit(environ: types.WSGIEnviron) -> str:
    """The precondition an item over ``max_resource_size`` fails (RFC 4791 §5.3.2.1, RFC 6352
    §6.3.2.1)."""
    vcard = "vcard" in environ.get("CONTENT_TYPE", "").lower() or \
        environ.get("PATH_INFO", "").lower().endswith(".vcf")
    return "CR:max-resource-size" if vcard else "C:max-resource-size"


def _unchecked(start_response: types.WSGIStartResponse, notes: RequestNotes) -> Iterable[bytes]:
    """A sign-in refused unchecked: 429 while the login or address is locked, 503 while the
    sign-in directory cannot be used (the client waits, it does not ask for the password)."""
    if notes.locked_until is not None:
        wait = max(1, math.ceil((notes.locked_until - datetime.now(UTC)).total_seconds()))
        return answer(start_response, "429 Too Many Requests",
                      f"Too many failed sign-ins: try again in {wait} seconds.\n",
                      [("Retry-After", str(wait))])
    metrics.unavailable(metrics.Cause.DIRECTORY)
    return answer(start_response, "503 Service Unavailable", DIRECTORY_UNAVAILABLE,
                  [("Retry-After", str(DIRECTORY_RETRY_AFTER))])
