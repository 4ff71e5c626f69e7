"""What the layers of one request tell each other: the WSGI layer (``storage_plugin.wsgi``),
the auth, rights and storage plugins Radicale calls in between, and the fast reads."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

if TYPE_CHECKING:
    from storage_plugin.fast_reads import Body, Poll
    from storage_plugin.push import DontNotify


@dataclass
class RequestNotes:
    """What is known of the request being answered, as its layers find it out."""

    rewritten: bool = False
    """An item was stored as something other than what the client sent."""
    precondition: str | None = None
    """The CalDAV precondition (``C:max-date-time``…) a refused write failed."""
    refusal: str | None = None
    """Why the request body was refused (``storage_plugin.screening``)…"""
    refused_for: str | None = None
    """…and the precondition it failed, if one names it (then 403, not 400)."""
    forbidden: str | None = None
    """Why the storage refused the write (a 403), in words for the client."""
    user: str = ""
    """Who signed in ("" for nobody)."""
    locked_until: datetime | None = None
    """The login was refused unchecked until then (too many failed sign-ins)."""
    unavailable: bool = False
    """The password was not checked: the sign-in directory cannot be used."""
    certified: str | None = None
    """The login the client's TLS certificate names (``storage_plugin.auth``)."""
    read_only_because: str | None = None
    """The sign-in reads only (a read-only device password): why, for a refused write."""
    body: Body | None = None
    """A fast read's answer (``storage_plugin.fast_reads``), sent as it was written."""
    error_id: str | None = None
    """The request failed: the id its error is logged with (``storage_plugin.failures``)."""
    sent: bytes | None = None
    """The body of a PUT, as the client sent it (what is kept and served of its item)."""
    parsed: Any = None
    """That body as parsed (an icalendar Calendar), before any lock was taken."""
    xml: ET.Element | None = None
    """The request's XML body as Radicale parsed it (None: none)."""
    dont_notify: DontNotify | None = None
    """Whose push subscriptions its change is not to wake (``Push-Dont-Notify``)."""
    path: str = ""
    """The request's path (``PATH_INFO``): the storage's first look-up of a collection in the
    request looks up the collections of this path too, in the same query."""
    within: Callable[[], Connection] | None = None
    """The connection of the request's read transaction (``Storage.request_connection``):
    the password check reads the stored hash there, not on a connection of its own."""
    polled: Poll | None = None
    """The poll ``fast_reads`` answered: what it was asked (``storage_plugin.polls``)."""
    poll_key: bytes | None = None
    """What the request is known by among the polls answered before (``storage_plugin.polls``;
    None: it is no such request)."""


_notes: ContextVar[RequestNotes | None] = ContextVar("bridge_request_notes", default=None)


def request_notes() -> RequestNotes:
    """The notes of the request this thread answers (a throwaway outside a request)."""
    return _notes.get() or RequestNotes()


@contextmanager
def noting(notes: RequestNotes) -> Iterator[RequestNotes]:
    """``notes`` are the notes of the request this thread answers, inside."""
    token = _notes.set(notes)
    try:
        yield notes
    finally:
        _notes.reset(token)
