"""Plain HTTP pages beside the calendar server (``/feeds/``, ``/freebusy/``): a path prefix
answered by a handler of its own, within a request budget, and the short answers every layer
in front of Radicale gives."""

import base64
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from radicale import types, xmlutils
from radicale.log import logger
from werkzeug.wrappers import Request

from bridge.hq.authentication import Authenticator
from bridge.infra import budget, metrics
from storage_plugin import proxy
from storage_plugin.directories import DIRECTORY_UNAVAILABLE
from storage_plugin.directories import RETRY_AFTER_SECONDS as DIRECTORY_RETRY_AFTER
from storage_plugin.options import option

Dispatch = Callable[[types.WSGIEnviron, types.WSGIStartResponse], Iterable[bytes] | None]
Handler = Callable[[Request, types.WSGIStartResponse, str], Iterable[bytes]]
"""Answers a request under the prefix, given the rest of its path."""
RETRY_AFTER_SECONDS = 60
MAX_PHRASE = 200
"""Longest reason phrase of a status line this layer writes (reasons may quote paths)."""


def answer(start_response: types.WSGIStartResponse, status: str, text: str,
           headers: Iterable[tuple[str, str]] = (),
           content_type: str = "text/plain; charset=utf-8") -> Iterable[bytes]:
    """A short answer of this layer's own (a refusal, a redirect)."""
    data = text.encode()
    start_response(status, [("Content-Type", content_type),
                            ("Content-Length", str(len(data))), *headers])
    return [data]


def prefixed(configuration: Any, prefix: str, what: str, handler: Handler) -> Dispatch:
    """What answers the requests under ``prefix`` with ``handler`` (None for the others),
    each within the server's ``[storage] report_budget`` (over it: 503)."""
    script_name = configuration.get("server", "script_name")
    seconds = float(option(configuration, "report_budget") or budget.REPORT_BUDGET_SECONDS)

    def dispatch(environ: types.WSGIEnviron,
                 start_response: types.WSGIStartResponse) -> Iterable[bytes] | None:
        split = proxy.split(environ, script_name)
        if split is None or not split[1].startswith(prefix):
            return None
        with budget.limited(seconds, what):
            try:
                return handler(Request(proxy.writable(environ)), start_response,
                               split[1][len(prefix):])
            except budget.OverBudget as error:
                logger.warning("%s: answered 503", error)
                metrics.unavailable(metrics.Cause.BUDGET)
                return answer(start_response, "503 Service Unavailable",
                              f"The {what} took too long; please try again later.\n",
                              [("Retry-After", str(RETRY_AFTER_SECONDS))])

    return dispatch


def basic_credentials(environ: types.WSGIEnviron) -> tuple[str, str] | None:
    """The login and password of Basic authentication, read as Radicale reads them (None:
    none, or not readable)."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Basic"):
        return None
    try:
        login, found, password = base64.b64decode(
            header[len("Basic"):].strip().encode("ascii")).decode("utf-8").partition(":")
    except ValueError:  # not base64 (not even ASCII), not UTF-8
        return None
    return (login, password) if found else None


def signed_in(request: Request, start_response: types.WSGIStartResponse,
              authenticator: Authenticator, realm: str) -> str | Iterable[bytes]:
    """The login of an active employee who gave their right password (Basic); else the
    answer refusing the request (401, or 429 while the login or address is locked)."""
    credentials = basic_credentials(request.environ)
    if credentials is not None:
        verdict = authenticator.check(*credentials, request.remote_addr or "",
                                      datetime.now(UTC))
        if verdict.accepted:
            metrics.observation().login = credentials[0]
            return credentials[0]
        if verdict.locked_until is not None:
            wait = max(1, int((verdict.locked_until - datetime.now(UTC)).total_seconds()))
            return answer(start_response, "429 Too Many Requests",
                          "Too many failed sign-ins; please wait.\n",
                          [("Retry-After", str(wait))])
        if verdict.unavailable:
            metrics.unavailable(metrics.Cause.DIRECTORY)
            return answer(start_response, "503 Service Unavailable", DIRECTORY_UNAVAILABLE,
                          [("Retry-After", str(DIRECTORY_RETRY_AFTER))])
    return answer(start_response, "401 Unauthorized", "Sign in with your HQ login.\n",
                  [("WWW-Authenticate", f'Basic realm="{realm}", charset="UTF-8"')])


def forbidden(reason: str | None) -> str:
    """A 403's status line, with the reason in its phrase (client libraries and sync logs
    show that, not the body)."""
    if not reason:
        return "403 Forbidden"
    return f"403 Forbidden: {reason.encode('ascii', 'replace').decode()[:MAX_PHRASE]}"


def precondition(name: str, reason: str | None = None) -> str:
    """The body of a 403 for a failed DAV/CalDAV precondition (RFC 4918 §16), the reason
    in words inside the precondition's element."""
    error = ET.Element(xmlutils.make_clark("D:error"))
    ET.SubElement(error, xmlutils.make_clark(name)).text = reason
    return ET.tostring(error, encoding="unicode", xml_declaration=True)


def with_feature(dav: str, feature: str) -> str:
    """A DAV header's features with ``feature`` (once)."""
    features = [each.strip() for each in dav.split(",")]
    return dav if feature in features else f"{dav}, {feature}"
