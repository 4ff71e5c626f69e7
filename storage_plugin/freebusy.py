"""Internet free/busy: ``GET /freebusy/LOGIN.vfb`` answers a representative's busy time as a
VFREEBUSY (``bridge.calendars.busy_time``) — the address classic Outlook's "Internet
Free/Busy" option reads (``…/freebusy/%NAME%.vfb``), and what a script or a colleague
planning a visit asks for. Busy time only: never what an appointment is about.

- Behind sign-in (Basic, the calendar server's passwords and throttle): every active
  employee may read the busy time of every active representative of the same HQ database
  (``bridge.calendars.busy_time``).
- ``?start=&end=`` (dates in the representative's zone, or instants with an offset); by
  default two weeks back and eight weeks ahead; at most a year (else 400, with the reason).
- An unknown login, or one without calendars, is 404.
"""

import functools
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from radicale import types
from sqlalchemy import Engine
from werkzeug.wrappers import Request

from bridge.calendars.busy_time import busy_time, check_span, default_span
from bridge.calendars.store import CalendarStore
from bridge.errors import InvalidInput
from bridge.hq.authentication import Authenticator
from bridge.hq.busy_time import representative
from bridge.hq.settings import window_settings, zone_of
from bridge.hq.windows import day_start
from bridge.ical.freebusy import vfreebusy
from bridge.infra.db import shared_engine, transaction
from bridge.models import Employee
from storage_plugin.directories import directory_of
from storage_plugin.options import option
from storage_plugin.pages import Dispatch, answer, prefixed, signed_in

PREFIX = "/freebusy/"
SUFFIX = ".vfb"


def freebusy(configuration: Any) -> Dispatch | None:
    """What answers ``/freebusy/`` (None for other requests), or None when the storage is
    not ours."""
    if configuration.get("storage", "type") != "storage_plugin.storage":
        return None
    engine = shared_engine(option(configuration, "database_url") or None)
    return prefixed(configuration, PREFIX, "free/busy request", functools.partial(
        _answer, engine=engine, authenticator=Authenticator(engine, "calendar server",
                                                    directory=directory_of(configuration)),
        server_zone=option(configuration, "time_zone") or "UTC",
        realm=configuration.get("auth", "realm")))


def _answer(request: Request, start_response: types.WSGIStartResponse, name: str, *,
            engine: Engine, authenticator: Authenticator, server_zone: str,
            realm: str) -> Iterable[bytes]:
    if request.method not in ("GET", "HEAD"):
        return answer(start_response, "405 Method Not Allowed",
                      "Free/busy time is only read (GET).\n", [("Allow", "GET, HEAD")])
    signed = signed_in(request, start_response, authenticator, realm)
    if not isinstance(signed, str):
        return signed
    login = name.removesuffix(SUFFIX) if name.endswith(SUFFIX) else ""
    now = datetime.now(UTC)
    with transaction(engine, write=False, keep=False) as session:
        employee = representative(session, login) if login else None
        if employee is None:
            return answer(start_response, "404 Not Found",
                          f"No sales representative {login!r} has free/busy time here.\n")
        store = CalendarStore(session, now, server_zone=server_zone)
        try:
            start, end = _span(request, store, employee)
            text = vfreebusy(busy_time(store, employee, start, end), start, end, now,
                             employee.email)
        except InvalidInput as error:
            return answer(start_response, "400 Bad Request", f"{error}\n")
    body = text.encode()
    start_response("200 OK", [("Content-Type", "text/calendar; charset=utf-8"),
                              ("Content-Length", str(len(body))),
                              ("Cache-Control", "private, no-cache")])
    return [b""] if request.method == "HEAD" else [body]


def _span(request: Request, store: CalendarStore, employee: Employee
          ) -> tuple[datetime, datetime]:
    settings = window_settings(store.session, employee.id)
    start, end = default_span(settings, store.now)
    zone = zone_of(settings)
    asked = {name: request.args.get(name) for name in ("start", "end")}
    if asked["start"]:
        start = _moment("start", asked["start"], zone)
    if asked["end"]:
        end = _moment("end", asked["end"], zone)
    check_span(start, end)
    return start, end


def _moment(name: str, text: str, zone: Any) -> datetime:
    """A date (its start in the representative's zone) or an instant with its offset."""
    try:
        if len(text) == 10:
            return day_start(date.fromisoformat(text), zone)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name}={text!r} is neither a date (2027-01-04) nor an instant "
                           "with its offset (2027-01-04T08:00:00+01:00)") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{name}={text!r} has no offset: give one (+01:00, Z) or a date")
    return moment.astimezone(UTC)
