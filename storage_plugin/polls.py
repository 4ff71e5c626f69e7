"""Polls answered again: a signed-in client's ctag / sync-token poll, as it was answered
before, without Radicale's request path.

A phone or Outlook asks every few minutes, of each collection, whether anything changed
(PROPFIND Depth 0 of getctag and/or sync-token: the poll of ``storage_plugin.fast_reads``),
and each time the request is the same, byte for byte. The first is answered as any request
is: Radicale's sign-in, its path and header rules and handlers, then the fast read. What
that decided from the request — who its credentials name, which collection, which
properties, the answer's status and headers — is kept under a digest of everything it was
decided from (:meth:`Polls.key`). The same request again is answered from that, deciding
afresh only what can have changed since — from one query (``Storage.poll``):

- the sign-in: an active device password, or a password accepted a short while ago against
  the stored hash there is now (changed on any worker, it is checked again by the full path);
- the rights: the user may still read the collection;
- the collection is still there, and its ctag and sync token now.

When any of these says no, or the database fails, the full path answers (and refuses,
checks, or says 503, as it always does). ``tests/storage_plugin/test_polls.py`` holds the
answers equal to the full path's.
"""

import base64
import binascii
import hashlib
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from radicale import httputils, types
from radicale.log import logger
from sqlalchemy.exc import SQLAlchemyError

from bridge.infra import metrics
from storage_plugin import proxy, radicale_compat
from storage_plugin.fast_reads import FastReads, Poll
from storage_plugin.notes import RequestNotes, noting

KEPT = 20_000
"""Polls remembered, the least recently asked forgotten first (each a digest and what
answered it, well under 1 KiB): a thousand representatives' three devices polling four
collections each, with room."""
MAX_BODY = 4096
"""Largest body of a poll remembered (a client's is a few hundred bytes)."""
DECIDING = ("REQUEST_METHOD", "HTTP_DEPTH", "HTTP_AUTHORIZATION", "QUERY_STRING",
            "CONTENT_TYPE", "HTTP_ACCEPT_ENCODING")
"""What of a request, besides where it goes (``proxy.split``) and its body, its answer is
decided from: Radicale's rules read no other part of a PROPFIND but the client's address,
which only the sign-in reads (and reads again here)."""


@dataclass(frozen=True)
class Answered:
    """A poll as the full path answered it."""

    poll: Poll
    status: str
    headers: tuple[tuple[str, str], ...]
    """Its headers as sent, Content-Length among them (its value is the answer's own)."""
    gzip: bool
    """Whether the answer is compressed (the client takes gzip)."""


class Polls:
    """The polls answered before, and their answers again (see the module's docstring)."""

    def __init__(self, app: Any, fast: FastReads) -> None:
        self._app = app
        self._fast = fast
        self._script_name: str = app.configuration.get("server", "script_name")
        self._lock = threading.Lock()
        self._answered: OrderedDict[bytes, Answered] = OrderedDict()

    def key(self, environ: types.WSGIEnviron, body: bytes) -> bytes | None:
        """What the request is known by among the polls (None: it can be no poll kept here:
        not a PROPFIND Depth 0 with a password, or a client certificate says who it is)."""
        if (environ.get("REQUEST_METHOD") != "PROPFIND" or environ.get("HTTP_DEPTH") != "0"
                or not 0 < len(body) <= MAX_BODY or "REMOTE_CERTIFICATE" in environ
                or not environ.get("HTTP_AUTHORIZATION", "").startswith("Basic")):
            return None
        found = proxy.split(environ, self._script_name)
        if found is None:
            return None
        digest = hashlib.sha256()
        for part in (*found, *(environ.get(name, "") for name in DECIDING)):
            encoded = part.encode("utf-8", "surrogateescape")
            digest.update(len(encoded).to_bytes(4, "big") + encoded)
        digest.update(body)
        return digest.digest()

    def learn(self, key: bytes, poll: Poll, status: str,
              headers: list[tuple[str, str]]) -> None:
        """The full path answered the request known by ``key`` as ``poll``, with ``status``
        and ``headers``."""
        gzip = any(name.lower() == "content-encoding" and value == "gzip"
                   for name, value in headers)
        answered = Answered(poll, status, tuple(headers), gzip)
        with self._lock:
            self._answered[key] = answered
            self._answered.move_to_end(key)
            while len(self._answered) > KEPT:
                self._answered.popitem(last=False)

    def answer(self, key: bytes, environ: types.WSGIEnviron,
               start_response: types.WSGIStartResponse) -> Iterable[bytes] | None:
        """The answer to the poll known by ``key``, if it was answered before and nothing
        it was answered for has changed (None: the full path answers)."""
        with self._lock:
            answered = self._answered.get(key)
            if answered is not None:
                self._answered.move_to_end(key)
        accepts = getattr(radicale_compat.auth_of(self._app), "accepts_unchecked", None)
        password = self._password(environ)
        if answered is None or accepts is None or password is None:
            return None
        body = self._body(radicale_compat.storage_of(self._app), answered.poll, password,
                          environ.get("REMOTE_ADDR", ""), accepts)
        if body is None:
            return None
        metrics.observation().login = answered.poll.user
        if answered.gzip:
            compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)  # (as Radicale's)
            body = compressor.compress(body) + compressor.flush()
        start_response(answered.status, [
            (name, str(len(body)) if name.lower() == "content-length" else value)
            for name, value in answered.headers])
        return [body]

    def _body(self, storage: Any, poll: Poll, password: str, address: str,
              accepts: Any) -> bytes | None:
        """The poll's multistatus now, if the sign-in is still accepted unchecked and the
        user may still read the collection."""
        read = getattr(storage, "poll", None)
        if read is None:
            return None
        try:
            with noting(RequestNotes(user=poll.user)):
                polled = read(poll.user, poll.path)
                if polled is None or not accepts(poll.user, password, address, polled[0]):
                    return None
                return self._fast.poll_of(poll.base_prefix, poll.path, polled[1], poll.user,
                                          poll.user_groups, poll.props)
        except SQLAlchemyError as error:  # (the full path meets it too, and answers it)
            logger.debug("a poll of %s is left to the full path: %s", poll.path, error)
            return None
        # A fault here costs the client nothing: the full path answers (and says what failed).
        except Exception:  # noqa: BLE001
            logger.error("a poll of %s asked again failed; the full path answers it",
                         poll.path, exc_info=True)
            return None

    def _password(self, environ: types.WSGIEnviron) -> str | None:
        """The password of the request's Basic credentials, read as Radicale reads it."""
        credentials = environ.get("HTTP_AUTHORIZATION", "")[len("Basic"):].strip()
        try:
            decoded = httputils.decode_request(self._app.configuration, environ,
                                               base64.b64decode(credentials.encode("ascii")))
        except (binascii.Error, UnicodeError, LookupError):
            return None
        _, colon, password = decoded.partition(":")
        return password if colon else None

