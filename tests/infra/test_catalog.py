"""The catalog of HQ databases: each named once with a title and a URL, one default; a
mistake in the file is named by file, section and setting; a login's realm picks its
database."""

from pathlib import Path

import pytest

from bridge.infra.catalog import CatalogError, load_catalog, resolve, single

GOOD = """\
[database emea]
title = Europe, Middle East and Africa
url = sqlite:///emea.db
default = yes

[database us]
title = United States
url = postgresql+psycopg://bridge:secret@db.example.com/us
"""


def _catalog(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "databases.ini"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_catalog_names_each_database_and_the_default(tmp_path: Path) -> None:
    catalog = load_catalog(_catalog(tmp_path, GOOD))
    assert [(d.name, d.title) for d in catalog.databases] == [
        ("emea", "Europe, Middle East and Africa"), ("us", "United States")]
    assert catalog.default.name == "emea" and catalog.several
    assert catalog.mount(catalog.default) == "" and catalog.mount(catalog.named("us")) == "/us"
    assert catalog.named("us").shown_url == "postgresql+psycopg://bridge:***@db.example.com/us"


def test_without_a_catalog_there_is_one_database_of_the_given_url(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRIDGE_DATABASES", raising=False)
    monkeypatch.delenv("BRIDGE_DATABASE_URL", raising=False)
    assert resolve(None, None) == single("sqlite:///bridge.db")
    catalog = resolve(None, "sqlite:///other.db")
    assert [d.url for d in catalog.databases] == ["sqlite:///other.db"]
    assert not catalog.several and catalog.default.name == "default"


@pytest.mark.parametrize("text, message", [
    ("[emea]\nurl = sqlite:///a.db\n", "[emea]: sections are [database NAME]"),
    ("[database EMEA]\nurl = sqlite:///a.db\n", "[database EMEA]: the name must be"),
    ("[database cockpit]\nurl = sqlite:///a.db\n", "not cockpit or well-known"),
    ("[database emea]\ntitle = Europe\n", "[database emea]: url is missing"),
    ("[database emea]\nurl = not a url\n", "[database emea]: url is not a SQLAlchemy URL"),
    ("[database emea]\nurl = sqlite:///a.db\nuser = x\n", "unknown setting 'user'"),
    ("[database emea]\nurl = sqlite:///a.db\ndefault = maybe\n", "default is yes or no"),
    ("[database a]\nurl = sqlite:///a.db\n[database b]\nurl = sqlite:///b.db\n",
     "exactly one database needs default = yes"),
    ("[database a]\nurl = sqlite:///a.db\ndefault = yes\n[database b]\nurl = sqlite:///a.db\n",
     "[database b] has the url of [database a]"),
    ("[database a]\nurl = sqlite:///a.db\n[database a]\nurl = sqlite:///b.db\n",
     "section 'database a' already exists"),
    ("url = sqlite:///a.db\n", "the file must start with a [section] header"),
    ("", "names no database"),
])
def test_a_mistake_in_the_catalog_is_named(tmp_path: Path, text: str, message: str) -> None:
    path = _catalog(tmp_path, text)
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    assert str(path) in str(raised.value) and message in str(raised.value), raised.value


def test_an_unknown_database_name_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"no database named 'apac' in .*; known: emea, us"):
        load_catalog(_catalog(tmp_path, GOOD)).named("apac")


def test_a_missing_or_unreadable_catalog_is_named(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"cannot read the database catalog .*missing\.ini"):
        load_catalog(tmp_path / "missing.ini")
    path = tmp_path / "latin1.ini"
    path.write_bytes("[database emea]\ntitle = Zürich\n".encode("latin-1"))
    with pytest.raises(CatalogError, match=r"not UTF-8 at byte 26 \(0xfc\)"):
        load_catalog(path)


@pytest.mark.parametrize("login, user, database", [
    ("bwilson@us", "bwilson", "us"),
    ("bwilson%40us", "bwilson", "us"),  # as iOS sends it
    ("bwilson@emea", "bwilson", "emea"),
    ("bwilson", "bwilson", None),
    ("ann@example.com", "ann@example.com", None),  # not a database: part of the login
    ("ann@example.com@us", "ann@example.com", "us"),
    ("@us", "@us", None),
    ("bwilson@US", "bwilson", "us"),
])
def test_the_realm_of_a_login_names_its_database(tmp_path: Path, login: str, user: str,
                                                 database: str | None) -> None:
    found_user, found = load_catalog(_catalog(tmp_path, GOOD)).realm(login)
    assert (found_user, found.name if found else None) == (user, database)
