"""Free/busy requests of RFC 6638 §5: what Thunderbird's and Apple Calendar's "find a time"
asks — a POST to the signed-in user's schedule outbox of one VFREEBUSY (METHOD:REQUEST) naming
colleagues by e-mail, answered with each one's busy time (``bridge.calendars.busy_time``:
who may read whose, and a reply per attendee). Busy time only, and nothing else of
scheduling: no invitation is delivered to anybody (no iTIP), the inbox stays empty.

- The principal resource of the signed-in user names their ``calendar-user-address-set``
  (``mailto:`` their e-mail first, then the principal), ``schedule-outbox-URL`` and
  ``schedule-inbox-URL`` (:meth:`Scheduling.principal`), and the DAV header says
  ``calendar-schedule`` (never ``calendar-auto-schedule``: nothing is delivered).
- ``/scheduling/LOGIN/outbox/`` and ``/scheduling/LOGIN/inbox/`` are LOGIN's own (others:
  403). The outbox answers POST, the inbox PROPFIND and REPORT with no members.
- A request whose ORGANIZER is not one of the signed-in user's addresses is refused (403,
  ``C:valid-organizer``), as is any other scheduling message (403,
  ``C:valid-scheduling-message``); a body that is not a free/busy request, more than
  ``MOST_ATTENDEES`` attendees or a span over a year: 400 with the reason.
"""

import functools
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from defusedxml import DefusedXmlException, ElementTree
from radicale import types, xmlutils
from sqlalchemy import select
from werkzeug.wrappers import Request

from bridge.calendars.busy_time import busy_time, check_span
from bridge.calendars.store import CalendarStore
from bridge.errors import InvalidInput
from bridge.hq.authentication import Authenticator
from bridge.hq.busy_time import MAILTO, MOST_ATTENDEES, addressed, recipients
from bridge.ical.freebusy import BusyRequest, NotABusyRequest, busy_reply, busy_request
from bridge.infra.db import shared_engine, transaction
from bridge.models import Employee
from storage_plugin import proxy
from storage_plugin.directories import directory_of
from storage_plugin.options import option
from storage_plugin.pages import (
    Dispatch,
    answer,
    forbidden,
    precondition,
    prefixed,
    signed_in,
    with_feature,
)

PREFIX = "/scheduling/"
OUTBOX, INBOX = "outbox", "inbox"
FEATURE = "calendar-schedule"
"""What the DAV header adds: scheduling (RFC 6638 §2), without automatic delivery."""
BOX_FEATURES = f"1, 3, calendar-access, {FEATURE}"
MOST_BYTES = 256 * 1024
"""The largest free/busy request read (100 attendees take some 10 KiB)."""
XML = "application/xml; charset=utf-8"

ADDRESS_SET = xmlutils.make_clark("C:calendar-user-address-set")
USER_TYPE = xmlutils.make_clark("C:calendar-user-type")
OUTBOX_URL = xmlutils.make_clark("C:schedule-outbox-URL")
INBOX_URL = xmlutils.make_clark("C:schedule-inbox-URL")
HREF = xmlutils.make_clark("D:href")
PROP = xmlutils.make_clark("D:prop")
PROPSTAT = xmlutils.make_clark("D:propstat")
STATUS = xmlutils.make_clark("D:status")
RESPONSE = xmlutils.make_clark("D:response")
RESOURCE_TYPE = xmlutils.make_clark("D:resourcetype")
ALLOW = {OUTBOX: "OPTIONS, PROPFIND, POST", INBOX: "OPTIONS, PROPFIND, REPORT"}


def principal_href(base_prefix: str, login: str) -> str:
    return xmlutils.make_href(base_prefix, f"/{login}/")


def box_href(base_prefix: str, login: str, box: str) -> str:
    return xmlutils.make_href(base_prefix, f"{PREFIX}{login}/{box}/")


def calendar_user_addresses(email: str | None, principal: str) -> list[str]:
    """A user's calendar user addresses (RFC 6638 §2.4.1): their e-mail first (clients take
    the first ``mailto:`` as the user's address), then their principal."""
    return [f"{MAILTO}{email.strip()}", principal] if email and email.strip() else [principal]


def is_own(organizer: str, addresses: Iterable[str]) -> bool:
    """Whether ``organizer`` is one of ``addresses`` (an e-mail in any case; a principal as
    its path or its URL)."""
    for address in addresses:
        if address.startswith(MAILTO):
            if organizer.lower() == address.lower():
                return True
        elif urlsplit(organizer).path == address:
            return True
    return False


class Scheduling:
    """The outbox and inbox pages, and what the principal resource says of them."""

    def __init__(self, configuration: Any) -> None:
        self._configuration = configuration
        self._engine = shared_engine(option(configuration, "database_url") or None)
        self._authenticator = Authenticator(self._engine, "calendar server",
                                            directory=directory_of(configuration))
        self._server_zone = option(configuration, "time_zone") or "UTC"
        self._realm = configuration.get("auth", "realm")
        self._script_name = configuration.get("server", "script_name")
        limit = configuration.get("server", "max_content_length")
        self._most_bytes = min(MOST_BYTES, limit) if limit else MOST_BYTES

    def pages(self) -> Dispatch:
        return prefixed(self._configuration, PREFIX, "free/busy request",
                        functools.partial(Scheduling._answer, self))

    def _answer(self, request: Request, start_response: types.WSGIStartResponse,
                rest: str) -> Iterable[bytes]:
        parts = [part for part in rest.split("/") if part]
        if len(parts) != 2 or parts[1] not in (OUTBOX, INBOX):
            return answer(start_response, "404 Not Found",
                          "Nothing here: the schedule outbox is /scheduling/LOGIN/outbox/.\n")
        owner, box = parts
        login = signed_in(request, start_response, self._authenticator, self._realm)
        if not isinstance(login, str):
            return login
        base = (proxy.split(request.environ, self._script_name) or ("", ""))[0]
        if owner != login:
            reason = f"this is {owner[:100]}'s {box}; yours is {box_href(base, login, box)}"
            return answer(start_response, forbidden(reason), f"Forbidden: {reason}.\n")
        allow = [("Allow", ALLOW[box])]
        if request.method == "OPTIONS":
            return answer(start_response, "200 OK", "", [*allow, ("DAV", BOX_FEATURES)])
        if request.method == "PROPFIND":
            body = self._body(request)
            if body is None:
                return _too_large(start_response, self._most_bytes)
            try:
                asked = asked_properties(ElementTree.fromstring(body) if body.strip() else None)
            except (ET.ParseError, DefusedXmlException) as error:
                return answer(start_response, "400 Bad Request",
                              f"The PROPFIND body is not XML that can be read: {error}.\n")
            return _multistatus(start_response, [_box(asked, base, login, box)])
        if request.method == "REPORT" and box == INBOX:
            return _multistatus(start_response, [])  # (nothing is ever delivered)
        if request.method == "POST" and box == OUTBOX:
            return self._post(request, start_response, login, base)
        return answer(start_response, "405 Method Not Allowed",
                      f"The schedule {box} answers {ALLOW[box]}.\n", allow)

    def _post(self, request: Request, start_response: types.WSGIStartResponse, login: str,
              base: str) -> Iterable[bytes]:
        """Each attendee's busy time (see the module); the body is read and parsed before
        the database is."""
        body = self._body(request)
        if body is None:
            return _too_large(start_response, self._most_bytes)
        try:
            asked = busy_request(body.decode("utf-8"), MOST_ATTENDEES)
            check_span(asked.start, asked.end)
        except UnicodeDecodeError:
            return answer(start_response, "400 Bad Request", "The body is not UTF-8 text.\n")
        except NotABusyRequest as error:
            return _refused(start_response, "C:valid-scheduling-message", str(error))
        except InvalidInput as error:
            return answer(start_response, "400 Bad Request",
                          f"This is not a free/busy request that can be answered: {error}.\n")
        now = datetime.now(UTC)
        with transaction(self._engine, write=False, keep=False) as session:
            email = session.scalar(select(Employee.email).where(Employee.login == login))
            addresses = calendar_user_addresses(email, principal_href(base, login))
            if not is_own(asked.organizer, addresses):
                return _refused(start_response, "C:valid-organizer",
                                f"the ORGANIZER {asked.organizer[:100]} is not you: ask as "
                                f"{addresses[0]}")
            store = CalendarStore(session, now, server_zone=self._server_zone)
            body = _schedule_response(store, asked, now)
        start_response("200 OK", [("Content-Type", XML), ("Content-Length", str(len(body))),
                                  ("Cache-Control", "private, no-cache")])
        return [body]

    def _body(self, request: Request) -> bytes | None:
        """The request's body, None when it is over the bound."""
        body: bytes = request.stream.read(self._most_bytes + 1)
        return body if len(body) <= self._most_bytes else None

    def principal(self, body: bytes, asked: ET.Element | None, base_prefix: str,
                  user: str, encoding: str) -> bytes:
        """Radicale's answer to a PROPFIND (a multistatus), with the scheduling properties
        of ``user``'s principal resource among it (if it is): the ``mailto:`` address added
        to the address set, and the outbox, inbox and user type — as the request asked
        (by name, all of them or their names). Every other answer is left as it is."""
        own = principal_href(base_prefix, user)
        if own.encode(encoding) not in body:
            return body
        tree = ET.fromstring(body)  # (our own answer, not the client's XML)
        for response in tree.iter(RESPONSE):
            if response.findtext(HREF) == own:
                with transaction(self._engine, write=False, keep=False) as session:
                    email = session.scalar(select(Employee.email).where(
                        Employee.login == user))
                add_properties(response, asked_properties(asked), {
                    ADDRESS_SET: calendar_user_addresses(email, own),
                    USER_TYPE: "INDIVIDUAL",
                    OUTBOX_URL: [box_href(base_prefix, user, OUTBOX)],
                    INBOX_URL: [box_href(base_prefix, user, INBOX)]})
                return written(tree, encoding)
        return body


def scheduling(configuration: Any) -> Scheduling | None:
    """Free/busy requests, or None when the storage is not ours."""
    if configuration.get("storage", "type") != "storage_plugin.storage":
        return None
    return Scheduling(configuration)


def with_scheduling(dav: str) -> str:
    """A DAV header's features with :data:`FEATURE` (once)."""
    return with_feature(dav, FEATURE)


def _schedule_response(store: CalendarStore, asked: BusyRequest, now: datetime) -> bytes:
    """The ``C:schedule-response`` of RFC 6638 §5: per attendee its request status and, if
    its busy time may be read, the reply holding it."""
    root = ET.Element(xmlutils.make_clark("C:schedule-response"))
    employees = addressed(store.session, asked.attendees)
    for recipient in recipients(asked.attendees, employees):
        response = ET.SubElement(root, xmlutils.make_clark("C:response"))
        ET.SubElement(ET.SubElement(response, xmlutils.make_clark("C:recipient")),
                      HREF).text = recipient.address
        ET.SubElement(response, xmlutils.make_clark("C:request-status")).text = \
            recipient.status
        if recipient.employee is not None:
            periods = busy_time(store, recipient.employee, asked.start, asked.end)
            ET.SubElement(response, xmlutils.make_clark("C:calendar-data")).text = \
                busy_reply(periods, asked, recipient.address, now)
    return written(root, "utf-8")


def asked_properties(request: ET.Element | None) -> set[str] | None:
    """The properties a PROPFIND asked for by name; None for all of them (allprop, or no
    body); an empty set for their names (propname)."""
    top = request[0] if request is not None and len(request) else None
    if top is None or top.tag == xmlutils.make_clark("D:allprop"):
        return None
    if top.tag == xmlutils.make_clark("D:propname"):
        return set()
    return {prop.tag for prop in top}


Value = list[str] | str | list[ET.Element]
"""A live property's value: a text, hrefs, or elements (see :func:`add_properties`)."""


def add_properties(response: ET.Element, asked: set[str] | None,
                   values: dict[str, Value]) -> None:
    """``values`` into a PROPFIND ``response``: those asked for (all: ``asked`` None),
    taken out of its 404 propstat; their names only when ``asked`` is empty (propname)."""
    found = _propstats(response)
    for tag, value in values.items():
        if asked and tag not in asked:
            continue
        element = _found(response, found, tag)
        if asked is None or asked:
            _set(element, value)
    for propstat in list(response.findall(PROPSTAT)):
        prop = propstat.find(PROP)
        if prop is not None and not len(prop):
            response.remove(propstat)


def _found(response: ET.Element, found: dict[str, ET.Element], tag: str) -> ET.Element:
    """The element of property ``tag`` among the found ones (200), moved there from the
    missing ones (404) or added."""
    for status, prop in found.items():
        if status != "200":
            for element in prop.findall(tag):
                prop.remove(element)
    if "200" not in found:
        found["200"] = _propstat(response, "HTTP/1.1 200 OK")
    existing = found["200"].find(tag)
    return ET.SubElement(found["200"], tag) if existing is None else existing


def _set(element: ET.Element, value: Value) -> None:
    """A property's value: a text, elements (replacing what Radicale answered), or hrefs —
    before those Radicale answered (kept)."""
    if isinstance(value, str):
        element.text = value
        return
    kept = [href.text for href in element.findall(HREF) if href.text]
    for child in list(element):
        element.remove(child)
    if any(isinstance(each, ET.Element) for each in value):
        element.extend(each for each in value if isinstance(each, ET.Element))
        return
    for text in dict.fromkeys([*(each for each in value if isinstance(each, str)), *kept]):
        ET.SubElement(element, HREF).text = text


def _propstats(response: ET.Element) -> dict[str, ET.Element]:
    """A response's props by their status code ("200", "404")."""
    found: dict[str, ET.Element] = {}
    for propstat in response.findall(PROPSTAT):
        prop, status = propstat.find(PROP), propstat.findtext(STATUS) or ""
        if prop is not None and len(status.split()) > 1:
            found.setdefault(status.split()[1], prop)
    return found


def _propstat(response: ET.Element, status: str) -> ET.Element:
    propstat = ET.Element(PROPSTAT)
    response.insert(1, propstat)  # (after the href, before the others)
    prop = ET.SubElement(propstat, PROP)
    ET.SubElement(propstat, STATUS).text = status
    return prop


def _box(asked: set[str] | None, base: str, login: str, box: str) -> ET.Element:
    """The PROPFIND answer of a schedule box: a collection of that type with no members and
    no other property."""
    response = ET.Element(RESPONSE)
    ET.SubElement(response, HREF).text = box_href(base, login, box)
    missing = sorted((asked or set()) - {RESOURCE_TYPE})
    if missing:
        prop = _propstat(response, "HTTP/1.1 404 Not Found")
        for tag in missing:
            ET.SubElement(prop, tag)
    if asked is None or not asked or RESOURCE_TYPE in asked:
        kind = ET.SubElement(_propstat(response, "HTTP/1.1 200 OK"), RESOURCE_TYPE)
        if asked is None or asked:
            ET.SubElement(kind, xmlutils.make_clark("D:collection"))
            ET.SubElement(kind, xmlutils.make_clark(f"C:schedule-{box}"))
    return response


def _multistatus(start_response: types.WSGIStartResponse,
                 responses: list[ET.Element]) -> Iterable[bytes]:
    root = ET.Element(xmlutils.make_clark("D:multistatus"))
    root.extend(responses)
    body = written(root, "utf-8")
    start_response("207 Multi-Status", [("Content-Type", XML),
                                        ("Content-Length", str(len(body)))])
    return [body]


def _too_large(start_response: types.WSGIStartResponse, most: int) -> Iterable[bytes]:
    return answer(start_response, "413 Request Entity Too Large",
                  f"A request to a schedule box is at most {most} bytes.\n")


def _refused(start_response: types.WSGIStartResponse, name: str,
             reason: str) -> Iterable[bytes]:
    return answer(start_response, forbidden(reason), precondition(name, reason), [], XML)


def written(tree: ET.Element, encoding: str) -> bytes:
    text: bytes = ET.tostring(tree, encoding=encoding, xml_declaration=True)
    return text
