"""Checking a password against a directory (LDAP, Active Directory) with a bind (``ldap3``).

The directory answers two questions only: is this the login's password, and is the account
enabled (an account disabled or locked out in the directory signs in nowhere). Who the login
is in HQ — whether it exists and is active, a representative, who manages whom — stays what
the HQ database says (``bridge.hq.authentication`` asks both).

Two ways to find the account:

- a DN template (``user_dn``): ``uid={login},ou=people,dc=example,dc=org``, or for Active
  Directory the user principal name ``{login}@example.com``; the login's password is bound
  with it directly;
- a search (``search_base`` and ``search_filter``, such as ``(sAMAccountName={login})``),
  made with a service account (``bind_dn``, ``bind_password``; anonymous without one); the
  one entry found is then bound with the password.

``enabled_filter`` (for Active Directory
``(&(!(userAccountControl:1.2.840.113556.1.4.803:=2))(!(lockoutTime>=1)))``) is tested on
the account's entry: an entry it does not match is disabled.

``hq_group`` (a group's DN) names the directory group whose members are HQ users
(``bridge.hq.authentication`` decides what that means); with it, an accepted password's
outcome says whether the account is a member (``member`` or ``uniqueMember`` of the group
entry holds its DN: nested groups are not followed) and the entry's name and e-mail.

An :data:`Outcome` is :class:`Accepted`, :class:`Refused` (the reason is for the operator's
log and the audit trail; the client hears only "wrong login or password"), or
:class:`Unavailable` (the server cannot be reached, or the service account's bind was
refused: the problem says what to fix; the client is answered 503, not asked for its
password again).
"""

import contextlib
import enum
import math
import secrets
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ldap3
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

PREFIX = "directory_"
"""The settings' names in ``[auth]`` (and in a catalog's ``[database NAME]`` section)."""
SETTINGS = frozenset({"url", "start_tls", "ca_file", "user_dn", "search_base", "search_filter",
                      "bind_dn", "bind_password", "enabled_filter", "timeout", "remember",
                      "hq_group"})
DEFAULT_TIMEOUT = 5.0
DEFAULT_REMEMBER = 300.0
"""Seconds a password the directory accepted is remembered (no bind for a client's polls
meanwhile): a password changed or an account disabled in the directory takes up to this long
to stop a client that signed in with it; a new password, or an employee deactivated in HQ,
takes effect at once."""
TRUE, FALSE = frozenset({"yes", "true", "on", "1"}), frozenset({"no", "false", "off", "0", ""})


class DirectorySettingError(ValueError):
    """A directory setting cannot be used (the message names it and says why)."""


@dataclass(frozen=True)
class Settings:
    urls: tuple[str, ...]
    """``ldap://`` or ``ldaps://`` servers, tried in this order while one cannot be reached."""
    start_tls: bool = False
    ca_file: Path | None = None
    """The CA certificates (PEM) the server's certificate is checked against (ldaps://,
    StartTLS); without it, the system's."""
    user_dn: str | None = None
    search_base: str | None = None
    search_filter: str | None = None
    bind_dn: str | None = None
    bind_password: str | None = None
    enabled_filter: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    """Seconds to connect, and to wait for each answer (whole seconds: rounded up)."""
    remember: float = DEFAULT_REMEMBER
    hq_group: str | None = None
    """The DN of the group whose members are HQ users (None: who is HQ is HQ's alone)."""

    @property
    def shown_urls(self) -> str:
        return " ".join(self.urls)


def settings_from(options: Mapping[str, str]) -> Settings | None:
    """The settings of ``directory_*`` options (None: no ``directory_url``, passwords are the
    HQ database's); :class:`DirectorySettingError` naming a setting that cannot be used."""
    values = {name[len(PREFIX):]: str(value).strip() for name, value in options.items()
              if name.startswith(PREFIX)}
    unknown = set(values) - SETTINGS
    if unknown:
        raise DirectorySettingError(
            f"unknown setting {PREFIX}{sorted(unknown)[0]} (settings: "
            f"{', '.join(PREFIX + name for name in sorted(SETTINGS))})")
    urls = tuple(values.get("url", "").split())
    if not urls:
        return None
    for url in urls:
        if not url.lower().startswith(("ldap://", "ldaps://")):
            raise DirectorySettingError(f"{PREFIX}url: {url!r} is not an ldap:// or ldaps:// "
                                        "address")
    user_dn, base = values.get("user_dn") or None, values.get("search_base") or None
    search_filter = values.get("search_filter") or None
    if (user_dn is None) == (base is None):
        raise DirectorySettingError(
            f"give either {PREFIX}user_dn (a DN template such as {{login}}@example.com) or "
            f"{PREFIX}search_base with {PREFIX}search_filter (such as "
            "(sAMAccountName={login})), not both or neither")
    if user_dn is not None and "{login}" not in user_dn:
        raise DirectorySettingError(f"{PREFIX}user_dn must contain {{login}}")
    if base is not None and (search_filter is None or "{login}" not in search_filter):
        raise DirectorySettingError(f"{PREFIX}search_filter must be given with "
                                    f"{PREFIX}search_base and contain {{login}}")
    bind_dn, bind_password = values.get("bind_dn") or None, values.get("bind_password") or None
    if (bind_dn is None) != (bind_password is None):
        raise DirectorySettingError(f"give {PREFIX}bind_dn and {PREFIX}bind_password together "
                                    "(the service account that searches), or neither")
    ca_file = Path(values["ca_file"]) if values.get("ca_file") else None
    if ca_file is not None and not ca_file.is_file():
        raise DirectorySettingError(f"{PREFIX}ca_file: {ca_file} is not a file")
    return Settings(urls, _flag(values, "start_tls"), ca_file, user_dn, base, search_filter,
                    bind_dn, bind_password, values.get("enabled_filter") or None,
                    _seconds(values, "timeout", DEFAULT_TIMEOUT, 0.1),
                    _seconds(values, "remember", DEFAULT_REMEMBER, 0.0),
                    values.get("hq_group") or None)


def _flag(values: Mapping[str, str], name: str) -> bool:
    value = values.get(name, "").lower()
    if value not in TRUE | FALSE:
        raise DirectorySettingError(f"{PREFIX}{name} is yes or no, not {value!r}")
    return value in TRUE


def _seconds(values: Mapping[str, str], name: str, default: float, least: float) -> float:
    text = values.get(name, "")
    if not text:
        return default
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not least <= number < float("inf"):
        raise DirectorySettingError(f"{PREFIX}{name} must be a number of seconds (at least "
                                    f"{least:g}), not {text!r}")
    return number


class Reason(enum.StrEnum):
    WRONG_PASSWORD = "wrong password"
    WRONG_PASSWORD_OR_UNKNOWN = "wrong password, or no such account (its DN was bound)"
    NO_SUCH_USER = "no such account in the directory"
    SEVERAL = "several directory entries match the login"
    DISABLED = "the account is disabled or locked out in the directory"
    NOT_IN_HQ_GROUP = "an HQ user who is not in the directory's HQ group"


@dataclass(frozen=True)
class Accepted:
    dn: str
    hq_member: bool | None = None
    """Whether the account is in the HQ group (None: no group is set, or not asked)."""
    name: str = ""
    """The entry's displayName (or cn), when the HQ group was asked about."""
    email: str | None = None


@dataclass(frozen=True)
class Refused:
    reason: Reason


@dataclass(frozen=True)
class Unavailable:
    problem: str
    """What is wrong and what to fix (for the operator's log, never for the client)."""


Outcome = Accepted | Refused | Unavailable


class _Down(Exception):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class Directory:
    """Checks passwords against the directory of ``settings`` (thread-safe: each check has
    connections of its own)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._tls = ldap3.Tls(ca_certs_file=str(settings.ca_file) if settings.ca_file else None,
                              validate=ssl.CERT_REQUIRED)

    def _servers(self) -> list[ldap3.Server]:
        """The servers, afresh for each check (an ldap3 server that failed once is marked
        unavailable for good: the directory back after an outage would not be tried)."""
        return [ldap3.Server(url, connect_timeout=self.settings.timeout, get_info=ldap3.NONE,
                             tls=self._tls) for url in self.settings.urls]

    def check(self, login: str, password: str) -> Outcome:
        """Whether ``password`` is the password of ``login``'s enabled account."""
        if not login or not password:  # (an empty password would be an anonymous bind)
            return Refused(Reason.WRONG_PASSWORD)
        try:
            return self._checked(login, password)
        except _Down as down:
            return Unavailable(down.problem)

    def enabled(self, login: str) -> Outcome:
        """Whether ``login``'s account is there and enabled, asked without its password (for
        a device password, which the directory does not know): looked up with the service
        account (anonymously without one). Accepted, Refused (no such account, disabled) or
        Unavailable."""
        settings = self.settings
        try:
            service = self._bound(settings.bind_dn, settings.bind_password, service=True)
            assert service is not None
            try:
                if settings.user_dn is not None:
                    dn = settings.user_dn.replace("{login}", escape_rdn(login))
                    if "=" not in dn:  # (a user principal name: no entry to look at)
                        return Accepted(dn)
                    if not self._search(service, dn, "(objectClass=*)", ldap3.BASE):
                        return Refused(Reason.NO_SUCH_USER)
                    return self._if_enabled(service, dn)
                assert settings.search_base is not None and settings.search_filter is not None
                wanted = settings.search_filter.replace("{login}", escape_filter_chars(login))
                found = self._search(service, settings.search_base, wanted, ldap3.SUBTREE)
                if len(found) != 1:
                    return Refused(Reason.NO_SUCH_USER if not found else Reason.SEVERAL)
                return self._if_enabled(service, found[0])
            finally:
                _close(service)
        except _Down as down:
            return Unavailable(down.problem)

    def _checked(self, login: str, password: str) -> Outcome:
        settings = self.settings
        if settings.user_dn is not None:
            dn = settings.user_dn.replace("{login}", escape_rdn(login))
            user = self._bound(dn, password)
            if user is None:
                return Refused(Reason.WRONG_PASSWORD_OR_UNKNOWN)
            try:
                enabled = self._if_enabled(user, dn)
                return self._described(user, dn) if isinstance(enabled, Accepted) else enabled
            finally:
                _close(user)
        assert settings.search_base is not None and settings.search_filter is not None
        service = self._bound(settings.bind_dn, settings.bind_password, service=True)
        assert service is not None
        try:
            wanted = settings.search_filter.replace("{login}", escape_filter_chars(login))
            found = self._search(service, settings.search_base, wanted, ldap3.SUBTREE)
            if not found:
                return self._stand_in_refused(password)
            if len(found) > 1:
                return Refused(Reason.SEVERAL)
            dn = found[0]
            enabled = self._if_enabled(service, dn)
            if not isinstance(enabled, Accepted):
                return enabled
            described = self._described(service, dn)
        finally:
            _close(service)
        user = self._bound(dn, password)
        if user is None:
            return Refused(Reason.WRONG_PASSWORD)
        _close(user)
        return described

    def _stand_in_refused(self, password: str) -> Refused:
        """No such account: a password bound all the same, to an entry no one has, so that the
        answer takes as long as a wrong password's (the time tells nobody who exists)."""
        assert self.settings.search_base is not None
        stand_in = self._bound(f"cn=bridge-stand-in-{secrets.token_hex(8)},"
                               f"{self.settings.search_base}", password)
        if stand_in is not None:  # (a directory that lets any DN bind: nothing found all the same)
            _close(stand_in)
        return Refused(Reason.NO_SUCH_USER)

    def _if_enabled(self, connection: ldap3.Connection, dn: str) -> Outcome:
        if self.settings.enabled_filter is None:
            return Accepted(dn)
        if self._search(connection, dn, self.settings.enabled_filter, ldap3.BASE):
            return Accepted(dn)
        return Refused(Reason.DISABLED)

    def _described(self, connection: ldap3.Connection, dn: str) -> Accepted:
        """The account of ``dn`` accepted, with whether it is in the HQ group and its name
        and e-mail (what an HQ user made from the directory is given); without a group, the
        bare DN."""
        group = self.settings.hq_group
        if group is None:
            return Accepted(dn)
        held = escape_filter_chars(dn)
        member = bool(self._search(connection, group, f"(|(member={held})(uniqueMember={held}))",
                                   ldap3.BASE))
        entries = self._found(connection, dn, "(objectClass=*)", ldap3.BASE,
                              ["displayName", "cn", "mail"])
        values = entries[0].get("attributes", {}) if entries else {}
        return Accepted(dn, member, _first(values, "displayName") or _first(values, "cn") or "",
                        _first(values, "mail") or None)

    def _bound(self, dn: str | None, password: str | None,
               service: bool = False) -> ldap3.Connection | None:
        """A connection bound as ``dn`` (None: the directory refused the password);
        :class:`_Down` if no server can be reached, or the service account is refused."""
        problems = []
        for server in self._servers():
            connection = ldap3.Connection(server, user=dn, password=password,
                                          receive_timeout=math.ceil(self.settings.timeout),
                                          raise_exceptions=False, read_only=True)
            try:
                connection.open()
            except ldap_errors.LDAPException as error:
                _close(connection)
                problems.append(f"{server.name}: {error}")
                continue
            try:
                if self.settings.start_tls and not server.ssl:
                    connection.start_tls()
            except ldap_errors.LDAPException as error:
                _close(connection)
                raise _Down(f"directory {server.name}: StartTLS failed ({error}): check that "
                            "the server offers StartTLS, and directory_ca_file (the CA that "
                            "signed the server's certificate)") from error
            try:
                if connection.bind():
                    return connection
            except ldap_errors.LDAPException as error:
                _close(connection)
                problems.append(f"{server.name}: {error}")
                continue
            result = dict(connection.result or {})
            _close(connection)
            if not service:  # the directory answered: not this password (AD also says so
                return None  # of a disabled, locked-out or expired account)
            raise _Down(f"directory {server.name}: the service account's bind was refused "
                        f"({_said_result(result)}): fix directory_bind_dn or "
                        "directory_bind_password")
        raise _Down("cannot reach the directory (" + "; ".join(problems) + "): check "
                    "directory_url, that the server runs, the network or firewall between, "
                    "and for ldaps:// directory_ca_file (the CA that signed the server's "
                    "certificate)")

    def _search(self, connection: ldap3.Connection, base: str, wanted: str,
                scope: Any) -> list[str]:
        return [entry["dn"] for entry in self._found(connection, base, wanted, scope, [])]

    def _found(self, connection: ldap3.Connection, base: str, wanted: str, scope: Any,
               attributes: list[str]) -> list[dict[str, Any]]:
        """The entries found (at most 2), with ``attributes``."""
        try:
            ok = connection.search(base, wanted, search_scope=scope, attributes=attributes,
                                   size_limit=2)
        except ldap_errors.LDAPException as error:
            raise _Down(f"directory search {wanted!r} under {base!r} failed ({error}): check "
                        "directory_search_filter and directory_enabled_filter, and that the "
                        "server runs") from error
        result = dict(connection.result or {})
        if not ok and result.get("description") not in ("success", "noSuchObject",
                                                        "sizeLimitExceeded"):
            raise _Down(f"directory search {wanted!r} under {base!r} failed "
                        f"({_said_result(result)}): check directory_search_base, the filters, "
                        "and that the service account may read there")
        return [entry for entry in connection.response or ()
                if entry.get("type") == "searchResEntry"]


def _first(values: Mapping[str, Any], name: str) -> str:
    """The first value of an attribute of an entry found ("" without one)."""
    value = values.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value or "").strip()


def _close(connection: ldap3.Connection) -> None:
    """Unbind and close (a connection the server dropped, or a failed StartTLS, may fail
    to: it is closed all the same)."""
    with contextlib.suppress(ldap_errors.LDAPException, OSError):
        connection.unbind()


def _said_result(result: dict[str, Any]) -> str:
    message = str(result.get("message") or "").strip()
    return str(result.get("description") or "no answer") + (f": {message}" if message else "")
