"""Radicale auth plugin: HQ employees with their passwords (``[auth] type = storage_plugin.auth``),
checked by ``bridge.hq.authentication`` — failed checks throttled per login and address, with
the counts in the database.

A TLS client certificate (``[server] certificate_authority``: only certificates of that CA
connect at all) whose common name is the login of an active employee signs that employee
in, without a password; a certificate that names nobody (a device's) leaves it to the
password.

A device password (``bridge.hq.devices``) is looked up on every request, before Radicale's
login cache: revoked, it is refused at once; read-only, the request's notes say so to the
rights. ``[auth] calendar_passwords = devices-only`` turns the account password off here.

With ``[auth] directory_url`` (``storage_plugin.directories``), passwords are checked by the
directory; while it cannot be used, a sign-in is answered 503 (``storage_plugin.wsgi``), not
401."""

import secrets
from datetime import UTC, datetime
from typing import Any

from radicale import auth, types

from bridge.hq.authentication import Authenticator, Standing, is_active_employee
from bridge.hq.devices import (
    READ_ONLY_BECAUSE,
    STOPPED,
    CalendarPasswords,
    DeviceSignIn,
    Match,
    calendar_passwords,
)
from bridge.infra.db import shared_engine
from storage_plugin.directories import directory_of
from storage_plugin.notes import request_notes
from storage_plugin.radicale_compat import ContextAuth


class Auth(ContextAuth):
    def __init__(self, configuration: Any) -> None:
        super().__init__(configuration)
        url = configuration.get("storage", "database_url") or None
        self._engine = shared_engine(url)
        directory = directory_of(configuration)
        self._authenticator = Authenticator(self._engine, "calendar server",
                                            directory=directory)
        self._certified = secrets.token_urlsafe(32)
        """What stands for the password of a login its certificate proved (never sent)."""
        self._devices = DeviceSignIn(self._engine, "calendar server", directory)
        self._devices_only = calendar_passwords_of(configuration) is \
            CalendarPasswords.DEVICES_ONLY

    def get_external_login(self, environ: types.WSGIEnviron) -> tuple[()] | tuple[str, str]:
        login = certificate_name(environ.get("REMOTE_CERTIFICATE"))
        if not login or not is_active_employee(self._engine, login, request_notes().within):
            return ()
        request_notes().certified = login
        return login, self._certified

    def check_login(self, login: str, password: str, context: auth.AuthContext) -> str:
        if request_notes().certified == login and secrets.compare_digest(password,
                                                                         self._certified):
            return login
        verdict = self._devices.refused(login, context.remote_addr or "", datetime.now(
            UTC)) if self._devices_only else self._authenticator.check(
                login, password, context.remote_addr or "", datetime.now(UTC),
                request_notes().within)
        request_notes().locked_until = verdict.locked_until
        request_notes().unavailable = verdict.unavailable
        return login if verdict.accepted else ""

    def accepts_unchecked(self, login: str, password: str, address: str,
                          standing: Standing) -> bool:
        """Whether a sign-in of ``login`` with ``password`` (credentials Radicale's
        :meth:`login` accepted as they are), the login's standing being ``standing``, is
        accepted again without a check that counts: an active device password, or a
        password accepted a short while ago against the stored hash there is now
        (``Authenticator.remembered``). False leaves the sign-in to :meth:`login`."""
        device = self._devices.matching(login, password, address, datetime.now(UTC))
        if isinstance(device, Match):
            return True
        if device is STOPPED or self._devices_only:
            return False
        return self._authenticator.remembered(login, password, standing)

    # Radicale marks login @final (for typing only): overridden to learn who signed in, also
    # from its cache, where _login_ext is not asked; it calls Radicale's whole.
    def login(self, login: str, password: str,  # type: ignore[misc]  # (final for typing only)
              context: auth.AuthContext) -> tuple[str, str, set[str]]:
        """Radicale's login (with its cache) — a device password's before it; the request's
        notes learn who signed in."""
        device = self._devices.matching(login, password, context.remote_addr or "",
                                        datetime.now(UTC))
        if isinstance(device, Match):
            request_notes().user = login
            request_notes().read_only_because = READ_ONLY_BECAUSE if device.read_only else None
            return login, "device password", set()
        if device is STOPPED:  # (revoked: refused, not counted as a guess)
            return "", "device password", set()
        user, method, groups = super().login(login, password, context)
        request_notes().user = user
        return user, method, groups


def calendar_passwords_of(configuration: Any) -> CalendarPasswords:
    """``[auth] calendar_passwords`` (InvalidInput if it is neither value)."""
    try:
        value = configuration.get("auth", "calendar_passwords")
    except KeyError:
        value = None
    return calendar_passwords(value)


def certificate_name(certificate: Any) -> str | None:
    """The common name of a TLS peer certificate (as ``ssl.SSLSocket.getpeercert`` gives it)."""
    if not isinstance(certificate, dict):
        return None
    for relative_name in certificate.get("subject", ()):
        for key, value in relative_name:
            if key == "commonName":
                return str(value)
    return None
