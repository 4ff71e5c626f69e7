"""Requests that come through a reverse proxy (see ``config/nginx.conf.example``).

- Where the server's own paths start: Radicale's rules, followed by everything in front of
  Radicale (the database dispatcher, the cockpit), so that all read a path alike. A proxy
  either strips its prefix and names it in ``X-Script-Name``, or passes the whole path (with
  ``X-Forwarded-*``) and the prefix is ``[server] script_name``.
- Who the client is: with ``[storage] proxies = N`` the client's address is taken from the
  ``X-Forwarded-For`` that the N proxies in front of the server append to (werkzeug's
  ProxyFix), so that logs and the sign-in throttle see clients, not the proxy. Only for a
  server the clients cannot reach but through the proxies.
"""

from collections.abc import Callable, Iterable
from typing import Any, cast
from wsgiref.types import StartResponse, WSGIEnvironment

from radicale import pathutils, types
from werkzeug.middleware.proxy_fix import ProxyFix

from storage_plugin.options import option

WSGIApplication = Callable[[types.WSGIEnviron, types.WSGIStartResponse], Iterable[bytes]]

# Radicale's types of the WSGI calls are narrower than PEP 3333's: its environ is a Mapping
# (the WSGI's is a dict, which a middleware may change, as this server's layers do) and its
# start_response takes no exc_info. These two say what the objects are.


def writable(environ: types.WSGIEnviron) -> WSGIEnvironment:
    """``environ`` as the dict it is (to change it for the layers below)."""
    return cast(WSGIEnvironment, environ)


def pep3333(start_response: types.WSGIStartResponse) -> StartResponse:
    """``start_response`` as the WSGI server's callable it is (Flask and werkzeug want it)."""
    return cast(StartResponse, start_response)

PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PROTO",
                 "HTTP_X_FORWARDED_SERVER")
"""Headers by which Radicale knows a request came through a reverse proxy."""
SPLIT_KEY = "bridge.split"
"""Where a request's environ keeps what :func:`split` found, and from what."""
Split = tuple[str, str] | None
"""The server's own prefix and the path below it (None: not a path of this server)."""


def split(environ: types.WSGIEnviron, script_name: str) -> Split:
    """The server's own prefix and the path of the request below it, as Radicale finds them
    (behind a proxy: the configured ``script_name``, else X-Script-Name, else SCRIPT_NAME;
    the path sanitised); None for a prefix that is not a path of this server. Each layer
    asks; the answer is kept in ``environ`` for what it was found from (a layer may change
    the environ's paths for the layers below it)."""
    proxied = any(environ.get(header) for header in PROXY_HEADERS)
    base = script_name if script_name and proxied else \
        environ.get("HTTP_X_SCRIPT_NAME", environ.get("SCRIPT_NAME", ""))
    asked = (base, environ.get("PATH_INFO", ""), proxied)
    kept: tuple[tuple[str, str, bool], Split] | None = environ.get(SPLIT_KEY)
    if kept is not None and kept[0] == asked:
        return kept[1]
    found = _split(*asked)
    writable(environ)[SPLIT_KEY] = (asked, found)
    return found


def _split(base: str, path_info: str, proxied: bool) -> Split:
    if base and (not base.startswith("/") or base.startswith("//")):
        return None
    base = base.rstrip("/")
    path = pathutils.sanitize_path(path_info)
    if proxied and base and path.startswith(base):
        path = pathutils.sanitize_path(path.removeprefix(base))
    return base, path


def behind_proxies(application: WSGIApplication, configuration: Any) -> WSGIApplication:
    """``application``, reading the client's address as the configured proxies pass it."""
    proxies = int(option(configuration, "proxies") or 0)
    if not proxies:
        return application
    # (werkzeug types ProxyFix's environ as PEP 3333's dict: see writable)
    return cast(WSGIApplication, ProxyFix(application, x_for=proxies))
