"""Passwords checked against a real OpenLDAP server shaped like Active Directory
(``tests.slapd``): by a search with a service account or by a DN template, disabled and
locked-out accounts refused, and every way the directory cannot be used said as what to fix."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from bridge.infra.catalog import CatalogError, load_catalog
from bridge.infra.directory import (
    Accepted,
    Directory,
    DirectorySettingError,
    Reason,
    Refused,
    Settings,
    Unavailable,
    settings_from,
)
from tests.slapd import (
    AD_ENABLED,
    HQ_GROUP,
    PEOPLE,
    SERVICE_DN,
    SERVICE_PASSWORD,
    Account,
    Certificate,
    Slapd,
    needs_slapd,
    running_slapd,
)
from tests.storage_plugin.conftest import free_port

ACCOUNTS = [
    Account("bwilson", "b-directory-pw", "Ben Wilson", mail="ben.wilson@example.com"),
    Account("cdavis", "c-directory-pw", "Carol Davis", control=514),  # 512 + ACCOUNTDISABLE
    Account("ddiaz", "d-directory-pw", "Dan Diaz", lockout=134_000_000_000_000_000),
    Account("twin", "t1", "Twin One"),
]


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    needs_slapd()
    with running_slapd(tmp_path_factory.mktemp("slapd"), free_port(), ACCOUNTS,
                       hq_members=["Ben Wilson"]) as server:
        yield server


def searching(url: str, **more: str) -> Directory:
    options = {"directory_url": url, "directory_search_base": PEOPLE,
               "directory_search_filter": "(sAMAccountName={login})",
               "directory_bind_dn": SERVICE_DN, "directory_bind_password": SERVICE_PASSWORD,
               "directory_enabled_filter": AD_ENABLED, "directory_timeout": "2", **more}
    settings = settings_from(options)
    assert settings is not None
    return Directory(settings)


def test_a_search_finds_the_account_and_binds_its_password(slapd: Slapd) -> None:
    directory = searching(slapd.url)
    assert directory.check("bwilson", "b-directory-pw") == Accepted(ACCOUNTS[0].dn)
    assert directory.check("BWilson", "b-directory-pw") == Accepted(ACCOUNTS[0].dn)
    assert directory.check("bwilson", "wrong") == Refused(Reason.WRONG_PASSWORD)
    assert directory.check("bwilson", "") == Refused(Reason.WRONG_PASSWORD)  # not anonymous
    assert directory.check("nobody", "b-directory-pw") == Refused(Reason.NO_SUCH_USER)


def test_a_disabled_or_locked_out_account_is_refused_with_its_right_password(
        slapd: Slapd) -> None:
    directory = searching(slapd.url)
    assert directory.check("cdavis", "c-directory-pw") == Refused(Reason.DISABLED)
    assert directory.check("ddiaz", "d-directory-pw") == Refused(Reason.DISABLED)
    # without the filter, the directory's own bind decides (slapd knows no AD flags)
    plain = searching(slapd.url, directory_enabled_filter="")
    assert isinstance(plain.check("cdavis", "c-directory-pw"), Accepted)


def test_a_login_is_never_a_filter_nor_a_dn(slapd: Slapd) -> None:
    directory = searching(slapd.url)
    assert directory.check("*", "b-directory-pw") == Refused(Reason.NO_SUCH_USER)
    assert directory.check("bwilson)(sAMAccountName=*", "x") == Refused(Reason.NO_SUCH_USER)
    template = Directory(_settings(slapd.url, directory_user_dn=f"cn={{login}},{PEOPLE}"))
    assert isinstance(template.check("Ben Wilson", "b-directory-pw"), Accepted)
    assert template.check("Ben Wilson", "nope") == Refused(Reason.WRONG_PASSWORD_OR_UNKNOWN)
    assert template.check("x,cn=Ben Wilson", "b-directory-pw") == \
        Refused(Reason.WRONG_PASSWORD_OR_UNKNOWN)


def test_a_dn_template_binds_directly_and_the_account_reads_its_own_flags(slapd: Slapd) -> None:
    template = Directory(_settings(slapd.url, directory_user_dn=f"cn={{login}},{PEOPLE}",
                                   directory_enabled_filter=AD_ENABLED))
    assert isinstance(template.check("Ben Wilson", "b-directory-pw"), Accepted)
    assert template.check("Carol Davis", "c-directory-pw") == Refused(Reason.DISABLED)


def test_with_an_hq_group_an_accepted_password_says_whether_the_account_is_in_it(
        slapd: Slapd) -> None:
    """(And the entry's name and e-mail: what an HQ user added from the group is given.)"""
    grouped = searching(slapd.url, directory_hq_group=HQ_GROUP)
    assert grouped.check("bwilson", "b-directory-pw") == Accepted(
        ACCOUNTS[0].dn, hq_member=True, name="Ben Wilson", email="ben.wilson@example.com")
    assert grouped.check("twin", "t1") == Accepted(ACCOUNTS[3].dn, hq_member=False,
                                                   name="Twin One")
    assert grouped.check("bwilson", "wrong") == Refused(Reason.WRONG_PASSWORD)
    template = Directory(_settings(slapd.url, directory_user_dn=f"cn={{login}},{PEOPLE}",
                                   directory_hq_group=HQ_GROUP))
    assert template.check("Ben Wilson", "b-directory-pw").hq_member is True  # (its own bind)
    assert template.check("Twin One", "t1").hq_member is False
    unknown_group = searching(slapd.url, directory_hq_group=f"cn=No Such Group,{PEOPLE}")
    assert unknown_group.check("bwilson", "b-directory-pw").hq_member is False
    assert searching(slapd.url).check("bwilson", "b-directory-pw") == Accepted(ACCOUNTS[0].dn)


def test_whether_an_account_is_enabled_is_asked_without_its_password(slapd: Slapd) -> None:
    """(For device passwords, which the directory does not know.)"""
    for directory in (searching(slapd.url), Directory(_settings(
            slapd.url, directory_user_dn=f"cn={{login}},{PEOPLE}",
            directory_enabled_filter=AD_ENABLED))):
        name = "bwilson" if directory.settings.user_dn is None else "Ben Wilson"
        assert isinstance(directory.enabled(name), Accepted)
        carol = "cdavis" if directory.settings.user_dn is None else "Carol Davis"
        assert directory.enabled(carol) == Refused(Reason.DISABLED)
        assert directory.enabled("nobody") == Refused(Reason.NO_SUCH_USER)
    assert isinstance(searching("ldap://127.0.0.1:1").enabled("bwilson"), Unavailable)


def test_a_refused_service_account_says_what_to_fix(slapd: Slapd) -> None:
    outcome = searching(slapd.url, directory_bind_password="not-it").check("bwilson", "x")
    assert isinstance(outcome, Unavailable)
    assert "service account" in outcome.problem and "directory_bind_password" in outcome.problem


def test_an_unreachable_server_says_what_to_fix_and_the_next_url_is_tried(slapd: Slapd) -> None:
    dead = f"ldap://127.0.0.1:{free_port()}"
    outcome = searching(dead).check("bwilson", "b-directory-pw")
    assert isinstance(outcome, Unavailable)
    assert dead in outcome.problem and "directory_url" in outcome.problem
    both = searching(f"{dead} {slapd.url}")
    assert isinstance(both.check("bwilson", "b-directory-pw"), Accepted)


def test_starttls_to_a_server_without_tls_is_unavailable_not_a_wrong_password(
        slapd: Slapd) -> None:
    outcome = searching(slapd.url, directory_start_tls="yes").check("bwilson", "b-directory-pw")
    assert isinstance(outcome, Unavailable) and "StartTLS" in outcome.problem


@pytest.mark.parametrize(("options", "said"), [
    ({"directory_url": "http://dc1"}, "not an ldap:// or ldaps://"),
    ({"directory_url": "ldap://dc1"}, "either directory_user_dn"),
    ({"directory_url": "ldap://dc1", "directory_user_dn": "x", "directory_search_base": "y"},
     "either directory_user_dn"),
    ({"directory_url": "ldap://dc1", "directory_user_dn": "cn=x"}, "must contain {login}"),
    ({"directory_url": "ldap://dc1", "directory_search_base": "dc=x"}, "search_filter must"),
    ({"directory_url": "ldap://dc1", "directory_user_dn": "{login}@x",
      "directory_bind_dn": "cn=s"}, "together"),
    ({"directory_url": "ldap://dc1", "directory_user_dn": "{login}@x",
      "directory_timeout": "soon"}, "directory_timeout must be a number"),
    ({"directory_url": "ldap://dc1", "directory_user_dn": "{login}@x",
      "directory_start_tls": "maybe"}, "yes or no"),
    ({"directory_url": "ldap://dc1", "directory_user_dn": "{login}@x",
      "directory_ca_file": "/nonexistent/ca.pem"}, "is not a file"),
    ({"directory_urls": "ldap://dc1"}, "unknown setting directory_urls"),
])
def test_settings_that_cannot_work_are_refused_saying_which(options: dict[str, str],
                                                             said: str) -> None:
    with pytest.raises(DirectorySettingError, match=re.escape(said)):
        settings_from(options)


def test_without_a_url_there_is_no_directory(tmp_path: Path) -> None:
    assert settings_from({}) is None
    assert settings_from({"directory_url": " ", "directory_user_dn": "{login}@x"}) is None
    settings = settings_from({"directory_url": "ldaps://dc1 ldaps://dc2",
                              "directory_user_dn": "{login}@example.com"})
    assert settings is not None and settings.urls == ("ldaps://dc1", "ldaps://dc2")
    assert settings.timeout == 5 and settings.remember == 300


def _settings(url: str, **more: str) -> Settings:
    settings = settings_from({"directory_url": url, "directory_timeout": "2", **more})
    assert settings is not None
    return settings


def test_the_directory_back_after_an_outage_is_used_again(slapd: Slapd) -> None:
    directory = searching(slapd.url)
    slapd.stop()
    try:
        assert isinstance(directory.check("bwilson", "b-directory-pw"), Unavailable)
    finally:
        slapd.start()
    assert isinstance(directory.check("bwilson", "b-directory-pw"), Accepted)


def test_a_catalog_database_carries_directory_settings_of_its_own(tmp_path: Path) -> None:
    catalog = tmp_path / "databases.ini"
    catalog.write_text("[database emea]\nurl = sqlite:///emea.db\ndefault = yes\n"
                       "directory_url = ldaps://dc1.emea.example.com\n"
                       "directory_user_dn = {login}@emea.example.com\n"
                       "[database us]\nurl = sqlite:///us.db\n", encoding="utf-8")
    emea, us = load_catalog(catalog).databases
    assert dict(emea.directory) == {"directory_url": "ldaps://dc1.emea.example.com",
                                    "directory_user_dn": "{login}@emea.example.com"}
    assert us.directory == ()
    catalog.write_text("[database emea]\nurl = sqlite:///emea.db\ndirectory_uri = x\n",
                       encoding="utf-8")
    with pytest.raises(CatalogError, match="unknown setting 'directory_uri'"):
        load_catalog(catalog)


@pytest.fixture(scope="module")
def tls_slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Slapd, Path]]:
    """slapd with a certificate for 127.0.0.1 (StartTLS, and ldaps://), and its CA's file."""
    needs_slapd()
    folder = tmp_path_factory.mktemp("tls-slapd")
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    issued.cert_chain_pems[0].write_to_path(str(folder / "server.pem"))
    issued.private_key_pem.write_to_path(str(folder / "server.key"))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    trustme.CA().cert_pem.write_to_path(str(folder / "other-ca.pem"))
    tls = Certificate(folder / "server.pem", folder / "server.key", free_port())
    with running_slapd(folder / "slapd", free_port(), ACCOUNTS, tls=tls) as server:
        yield server, folder


def test_starttls_and_ldaps_check_the_certificate_against_the_ca_file(
        tls_slapd: tuple[Slapd, Path]) -> None:
    slapd, folder = tls_slapd
    ca, other = str(folder / "ca.pem"), str(folder / "other-ca.pem")
    for url, more in ((slapd.url, {"directory_start_tls": "yes"}), (slapd.tls_url, {})):
        trusted = searching(url, directory_ca_file=ca, **more)
        assert isinstance(trusted.check("bwilson", "b-directory-pw"), Accepted), url
        assert trusted.check("bwilson", "wrong") == Refused(Reason.WRONG_PASSWORD)
        outcome = searching(url, directory_ca_file=other, **more).check("bwilson",
                                                                       "b-directory-pw")
        assert isinstance(outcome, Unavailable), url
        assert "directory_ca_file" in outcome.problem


def test_a_filter_that_cannot_be_parsed_is_unavailable_and_named(slapd: Slapd) -> None:
    outcome = searching(slapd.url, directory_search_filter="(sAMAccountName={login}").check(
        "bwilson", "b-directory-pw")
    assert isinstance(outcome, Unavailable) and "directory_search_filter" in outcome.problem
