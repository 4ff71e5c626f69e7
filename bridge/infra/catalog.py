"""The HQ databases of an installation: one by default, several named in a catalog file.

Without a catalog there is one database, named ``default``: the URL given on the command
line, else ``BRIDGE_DATABASE_URL``, else ``./bridge.db``. A catalog file (INI, see
``config/databases.ini.example``; ``--databases FILE`` or ``BRIDGE_DATABASES``) names each
database in a section ``[database NAME]`` with a ``title`` and a SQLAlchemy ``url``; the one
with ``default = yes`` (or the only one) serves the logins that name no database.

A login picks its database with a realm: ``bwilson@emea`` (``bwilson%40emea`` as iOS sends
it). A suffix that names no database is part of the login (``ann@example.com``), so the
default database keeps logins with an ``@``.

A section may also give the database its own sign-in directory: its ``directory_*`` settings
(``bridge.infra.directory``) are laid over the server's ``[auth]`` ones for that database
(``directory_url =``, empty, turns the directory off for it).
"""

import configparser
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bridge.errors import BridgeError
from bridge.infra.directory import PREFIX as DIRECTORY_PREFIX
from bridge.infra.directory import SETTINGS as DIRECTORY_SETTINGS
from bridge.infra.files import read_ini

DATABASE_ENV = "BRIDGE_DATABASE_URL"
CATALOG_ENV = "BRIDGE_DATABASES"
SELECTED_ENV = "BRIDGE_DB"
DEFAULT_DATABASE_URL = "sqlite:///bridge.db"
DEFAULT_NAME = "default"

NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
RESERVED = frozenset({"cockpit", "well-known"})
"""Names that are paths of the server itself (a database's address is ``/NAME/``)."""
SECTION = re.compile(r"database\s+(\S+)")
KEYS = frozenset({"title", "url", "default"}) | {DIRECTORY_PREFIX + name
                                                  for name in DIRECTORY_SETTINGS}
TRUE, FALSE = frozenset({"yes", "true", "on", "1"}), frozenset({"no", "false", "off", "0"})


class CatalogError(BridgeError):
    """The catalog file cannot be used as it is (what and where is in the message)."""


@dataclass(frozen=True)
class Database:
    name: str
    title: str
    url: str
    directory: tuple[tuple[str, str], ...] = ()
    """``directory_*`` settings of this database's own (over the server's ``[auth]``)."""

    @property
    def shown_url(self) -> str:
        """The URL without its password (for messages and listings)."""
        return make_url(self.url).render_as_string(hide_password=True)

    def label(self) -> str:
        """``emea (Europe, Middle East and Africa)``; the title alone when it is the name."""
        return self.name if self.title == self.name else f"{self.name} ({self.title})"


@dataclass(frozen=True)
class Catalog:
    databases: tuple[Database, ...]
    default: Database
    source: Path | None = None
    """The catalog file (None: the one database of the command line or environment)."""

    @property
    def several(self) -> bool:
        return len(self.databases) > 1

    def named(self, name: str) -> Database:
        for database in self.databases:
            if database.name == name:
                return database
        if self.source is None:
            raise CatalogError(f"no database named {name!r}: without a catalog file "
                               f"(--databases FILE or ${CATALOG_ENV}) there is one, "
                               f"{DEFAULT_NAME!r}")
        known = ", ".join(database.name for database in self.databases)
        raise CatalogError(f"no database named {name!r} in {self.source}; known: {known}")

    def realm(self, login: str) -> tuple[str, Database | None]:
        """The login without its realm, and the database the realm names (None: no realm)."""
        for separator in ("@", "%40"):
            user, found, suffix = login.rpartition(separator)
            if found and user:
                for database in self.databases:
                    if database.name == suffix.lower():
                        return user, database
        return login, None

    def only(self, database: Database) -> "Catalog":
        """The catalog of ``database`` alone (a server for one database of several)."""
        return Catalog((database,), database, self.source)

    def mount(self, database: Database) -> str:
        """Where the database's calendars and cockpit are: ``/NAME``, the default at the root."""
        return "" if database == self.default else f"/{database.name}"


def database_url(explicit: str | None = None) -> str:
    """The URL given on the command line, else ``BRIDGE_DATABASE_URL``, else ./bridge.db."""
    return explicit or os.environ.get(DATABASE_ENV) or DEFAULT_DATABASE_URL


def single(url: str) -> Catalog:
    """The catalog of an installation without a catalog file: one database."""
    database = Database(DEFAULT_NAME, "HQ database", url)
    return Catalog((database,), database)


def load_catalog(path: Path) -> Catalog:
    """The databases a catalog file names; CatalogError naming the line or section at fault."""
    parser = configparser.ConfigParser(interpolation=None, default_section="-none-")
    read_ini(path, parser, CatalogError, "the database catalog")
    databases = [_database(path, section, parser[section]) for section in parser.sections()]
    if not databases:
        raise CatalogError(f"{path} names no database (add a [database NAME] section)")
    _check_distinct(path, databases)
    return Catalog(tuple(database for database, _ in databases),
                   _default(path, databases), path)


def _database(path: Path, section: str,
              fields: configparser.SectionProxy) -> tuple[Database, bool]:
    where = f"{path}: [{section}]"
    match = SECTION.fullmatch(section)
    if match is None:
        raise CatalogError(f"{where}: sections are [database NAME]")
    name = match.group(1)
    if not NAME.fullmatch(name) or name in RESERVED:
        raise CatalogError(f"{where}: the name must be 1–32 lower-case letters, digits, - or _, "
                           f"starting with a letter, and not {' or '.join(sorted(RESERVED))}")
    unknown = set(fields) - KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown setting {sorted(unknown)[0]!r} "
                           f"(settings: title, url, default, {DIRECTORY_PREFIX}*)")
    url = fields.get("url", "").strip()
    if not url:
        raise CatalogError(f"{where}: url is missing (a SQLAlchemy URL)")
    try:
        make_url(url)
    except ArgumentError as error:
        raise CatalogError(f"{where}: url is not a SQLAlchemy URL: {error}") from error
    default = fields.get("default", "no").strip().lower()
    if default not in TRUE | FALSE:
        raise CatalogError(f"{where}: default is yes or no, not {default!r}")
    title = fields.get("title", "").strip() or name
    directory = tuple(sorted((key, value.strip()) for key, value in fields.items()
                             if key.startswith(DIRECTORY_PREFIX)))
    return Database(name, title, url, directory), default in TRUE


def _check_distinct(path: Path, databases: list[tuple[Database, bool]]) -> None:
    seen: dict[str, str] = {}
    for database, _ in databases:
        key = make_url(database.url).render_as_string(hide_password=False)
        if key in seen:
            raise CatalogError(f"{path}: [database {database.name}] has the url of "
                               f"[database {seen[key]}]; each database must be its own")
        seen[key] = database.name


def _default(path: Path, databases: list[tuple[Database, bool]]) -> Database:
    marked = [database for database, default in databases if default]
    if len(databases) == 1:
        return databases[0][0]
    if len(marked) != 1:
        names = ", ".join(database.name for database in marked) or "none"
        raise CatalogError(f"{path}: exactly one database needs default = yes (the one of "
                           f"logins without @NAME); marked: {names}")
    return marked[0]


def resolve(catalog_file: Path | None, url: str | None) -> Catalog:
    """The installation's catalog: the file given (or ``BRIDGE_DATABASES``), else the one
    database of ``url`` (or the environment, or ./bridge.db)."""
    chosen = catalog_file or (Path(os.environ[CATALOG_ENV]) if os.environ.get(CATALOG_ENV)
                              else None)
    return load_catalog(chosen) if chosen is not None else single(database_url(url))
