"""The web cockpit: a Flask application served by `bridge serve` under ``/cockpit/``, next to
the calendar server, on the same HQ database.

Pages are rendered on the server (Jinja2 templates, which escape what they show); forms carry
a CSRF token (Flask-WTF); the session is a signed, HttpOnly, SameSite cookie whose key the
server processes share through the database.
"""

import time
from datetime import timedelta
from typing import Any

from flask import Flask, flash, g, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from bridge import calendars
from bridge.errors import BridgeError, InvalidInput
from bridge.hq.authentication import Authenticator
from bridge.hq.errors import NotFound, ReadOnly
from bridge.importing.staging import Staging
from bridge.infra.catalog import Catalog, Database, single
from bridge.infra.conflicts import conflict_of
from bridge.infra.directory import Directory
from bridge.infra.secrets import shared_secret
from bridge.web import (
    account,
    activities,
    audit,
    customers,
    devices,
    exports,
    home,
    imports,
    lost,
    settings,
    signin,
    subscriptions,
    zones,
)

MAX_UPLOAD = 512 * 1024 * 1024
"""The largest export file an upload takes."""


def create_app(engine: Engine, *, secure_cookies: bool = False, catalog: Catalog | None = None,
               database: Database | None = None, server_zone: str = "UTC",
               directory: Directory | None = None) -> Flask:
    """The cockpit of one HQ database (``database`` of ``catalog``; by default the one
    database of ``engine``). It touches the database only when it answers a request; it
    shows times in ``server_zone`` (an IANA name) to whoever has no time zone of their
    own; ``directory``: the one that checks passwords (by default the HQ database does)."""
    calendars.subscribe()
    catalog = catalog or single(engine.url.render_as_string(hide_password=False))
    database = database or catalog.default
    app = Flask(__name__)
    app.config.update(
        SESSION_COOKIE_NAME="bridge_cockpit",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=10),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        MAX_CONTENT_LENGTH=MAX_UPLOAD,
    )
    app.extensions["bridge.engine"] = engine
    app.extensions["bridge.catalog"] = catalog
    app.extensions["bridge.database"] = database
    app.extensions["bridge.server_zone"] = server_zone
    app.extensions["bridge.authenticator"] = Authenticator(engine, "cockpit",
                                                         directory=directory)
    app.extensions["bridge.staging"] = Staging(engine)  # (its uploads: in the database)
    app.session_interface = _CockpitSessions()
    CSRFProtect(app)
    for module in (signin, home, activities, customers, exports, imports, settings, lost,
                   subscriptions, zones, account, audit, devices):
        app.register_blueprint(module.blueprint)
    app.jinja_env.filters.update(sentence=_sentence, when=zones.shown, file_name=_file_name)
    app.context_processor(lambda: {"database": database, "several": catalog.several,
                                   "page_zone": zones.page_zone})
    app.before_request(_started)
    app.before_request(signin.load_viewer)
    app.after_request(_headers)
    _errors(app)
    return app


class _CockpitSessions(SecureCookieSessionInterface):
    """The session cookie is sent to the cockpit's own paths only (wherever it is mounted),
    never to the calendar server beside it. Its signing key, kept in the database, is read
    at the first request (a database down when the server starts is no hindrance)."""

    def get_cookie_path(self, app: Flask) -> str:
        return request.script_root or "/"

    def get_signing_serializer(self, app: Flask) -> Any:
        if not app.secret_key:
            app.secret_key = shared_secret(app.extensions["bridge.engine"], "cockpit-session")
        return super().get_signing_serializer(app)


def _file_name(source: str | None) -> str:
    """A run's file by its name only: a run the server imported from a folder recorded its
    path there, which no page shows."""
    return (source or "").replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _sentence(text: str) -> str:
    """``text`` with its first letter in upper case (the rest as it is)."""
    return text[:1].upper() + text[1:]


def _started() -> None:
    g.started = time.perf_counter()


def _headers(response: Any) -> Any:
    if "started" in g and not response.is_streamed:
        elapsed = (time.perf_counter() - g.started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
    response.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "frame-ancestors 'none'; form-action 'self'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if "text/html" in response.headers.get("Content-Type", ""):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _errors(app: Flask) -> None:
    statuses = {NotFound: 404, ReadOnly: 403, InvalidInput: 400}

    @app.errorhandler(BridgeError)
    def bridge_error(error: BridgeError) -> Any:
        status = next((code for kind, code in statuses.items() if isinstance(error, kind)), 400)
        return render_template("error.html", status=status, reason=str(error)), status

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        flash("The form had expired: please send it again.", "error")
        return render_template("error.html", status=400, reason=error.description), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        status = error.code or 500
        return render_template("error.html", status=status, reason=error.description), status

    @app.errorhandler(SQLAlchemyError)
    def database_error(error: SQLAlchemyError) -> Any:
        if conflict_of(getattr(error, "orig", None)) is not None:
            return render_template(
                "error.html", status=503,
                reason="Another change to the same activity was being saved; nothing was "
                       "changed. Please try again."), 503, {"Retry-After": "5"}
        app.logger.exception("database error on %s %s", request.method, request.path)
        return render_template("error.html", status=503,
                               reason="The HQ database did not answer; please try again."), \
            503, {"Retry-After": "5"}
