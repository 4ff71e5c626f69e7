"""The web cockpit (``bridge.web``) beside the calendar server: requests under ``/cockpit/``
go to it, on the storage's HQ database; a browser opening the server's address (``GET /``)
is sent there. Behind a reverse proxy its pages link under the proxy's prefix
(``storage_plugin.proxy``). Options, in ``[storage]``: ``cockpit`` (on by default) and
``cockpit_secure_cookies`` (when the server is reached over HTTPS only). Its pages show
times in the user's time zone, else in the server's ``[storage] time_zone``."""

from collections.abc import Iterable
from typing import Any

from radicale import types

from bridge.hq.settings import zone_named
from bridge.infra.catalog import Catalog, Database
from bridge.infra.db import shared_engine
from storage_plugin import proxy
from storage_plugin.directories import directory_of
from storage_plugin.options import flag, option
from storage_plugin.pages import Dispatch

PREFIX = "/cockpit"

def cockpit(configuration: Any, catalog: Catalog | None = None,
            database: Database | None = None) -> Dispatch | None:
    """What answers the cockpit's requests (None for every other request), or None when the
    cockpit is off or the storage is not ours; of ``database`` (of ``catalog``) when the
    server serves several (``storage_plugin.databases``)."""
    if not flag(configuration, "cockpit", True) or \
            configuration.get("storage", "type") != "storage_plugin.storage":
        return None
    from bridge.web.app import create_app  # Flask is loaded only when the cockpit is on

    app = create_app(shared_engine(option(configuration, "database_url") or None),
                     secure_cookies=flag(configuration, "cockpit_secure_cookies", False),
                     catalog=catalog, database=database, directory=directory_of(configuration),
                     server_zone=zone_named(option(configuration, "time_zone") or "UTC"))

    script_name = configuration.get("server", "script_name")

    def dispatch(environ: types.WSGIEnviron,
                 start_response: types.WSGIStartResponse) -> Iterable[bytes] | None:
        split = proxy.split(environ, script_name)
        if split is None:
            return None  # (Radicale refuses it)
        base, path = split
        if (path == "/" and environ.get("REQUEST_METHOD") in ("GET", "HEAD")) \
                or path == PREFIX:
            start_response("302 Found", [("Location", base + PREFIX + "/"),
                                         ("Content-Length", "0")])
            return [b""]
        if not path.startswith(PREFIX + "/"):
            return None
        inner = dict(environ)
        inner["SCRIPT_NAME"] = base + PREFIX  # (behind a proxy: its prefix too)
        inner["PATH_INFO"] = path[len(PREFIX):]
        return app(inner, proxy.pep3333(start_response))

    return dispatch
