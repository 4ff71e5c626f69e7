"""A throwaway OpenLDAP server (Debian's ``slapd``) on a free loopback port, shaped like an
Active Directory as far as sign-in goes: accounts with ``sAMAccountName``,
``userAccountControl`` (bit 2: disabled) and ``lockoutTime`` (above 0: locked out), a
service account for searches, and a group. Skipped, with the reason, where slapd is not
installed (``.ci/run`` installs it)."""

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
SCHEMAS = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")

BASE = "dc=example,dc=com"
PEOPLE = f"ou=Staff,{BASE}"
SERVICE_DN = f"cn=bridge-service,{BASE}"
SERVICE_PASSWORD = "service-secret-7"
HQ_GROUP = f"cn=Bridge HQ,ou=Groups,{BASE}"
AD_ENABLED = "(&(!(userAccountControl:1.2.840.113556.1.4.803:=2))(!(lockoutTime>=1)))"
"""Active Directory's "enabled and not locked out" (docs/operators/directory.md's example)."""

AD_LIKE_SCHEMA = """
attributetype ( 1.3.6.1.4.1.99999.1.1 NAME 'sAMAccountName'
    EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.1.2 NAME 'userAccountControl'
    EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.1.3 NAME 'lockoutTime'
    EQUALITY integerMatch ORDERING integerOrderingMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.99999.2.1 NAME 'adAccount' SUP top AUXILIARY
    MAY ( sAMAccountName $ userAccountControl $ lockoutTime ) )
"""


@dataclass(frozen=True)
class Account:
    login: str
    password: str
    name: str
    control: int = 512  # NORMAL_ACCOUNT
    lockout: int = 0
    mail: str = ""

    @property
    def dn(self) -> str:
        return f"cn={self.name},{PEOPLE}"


def available() -> bool:
    return Path(SLAPD).exists() and Path(SLAPADD).exists() and (SCHEMAS / "core.schema").exists()


def needs_slapd() -> None:
    """Skip without slapd (BRIDGE_LDAP_TESTS=1, as .ci/run sets, makes that a failure)."""
    if not available():
        message = ("OpenLDAP's slapd is not installed (apt-get install slapd ldap-utils; "
                   ".ci/run installs it)")
        if os.environ.get("BRIDGE_LDAP_TESTS"):
            pytest.fail(message + "; BRIDGE_LDAP_TESTS=1 makes its absence a failure")
        pytest.skip(message + "; BRIDGE_LDAP_TESTS=1 makes this a failure")


def _ldif(accounts: list[Account], hq_members: list[str]) -> str:
    entries = [
        f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\n"
        "o: Example\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: Staff\n",
        f"dn: ou=Groups,{BASE}\nobjectClass: organizationalUnit\nou: Groups\n",
        f"dn: {SERVICE_DN}\nobjectClass: person\nobjectClass: simpleSecurityObject\n"
        f"cn: bridge-service\nsn: service\nuserPassword: {SERVICE_PASSWORD}\n",
    ]
    for account in accounts:
        entries.append(
            f"dn: {account.dn}\nobjectClass: inetOrgPerson\nobjectClass: adAccount\n"
            f"cn: {account.name}\nsn: {account.name.split()[-1]}\n"
            f"sAMAccountName: {account.login}\nuserPassword: {account.password}\n"
            f"userAccountControl: {account.control}\nlockoutTime: {account.lockout}\n"
            + (f"mail: {account.mail}\n" if account.mail else ""))
    members = f"member: {SERVICE_DN}\n" + "".join(f"member: cn={name},{PEOPLE}\n"
                                                   for name in hq_members)
    entries.append(f"dn: {HQ_GROUP}\nobjectClass: groupOfNames\ncn: Bridge HQ\n{members}")
    return "\n".join(entries)


@dataclass
class Slapd:
    """A running slapd (stopped and started again by :meth:`stop` and :meth:`start`)."""

    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    tls_port: int | None = None
    """Where it also listens for ldaps:// (None: it has no certificate)."""

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def tls_url(self) -> str:
        assert self.tls_port is not None
        return f"ldaps://127.0.0.1:{self.tls_port}"

    def start(self) -> None:
        listeners = f"{self.url}/" + (f" {self.tls_url}/" if self.tls_port else "")
        self.process = subprocess.Popen(
            [SLAPD, "-f", str(self.folder / "slapd.conf"), "-h", listeners, "-d", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError as error:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    said = self.process.stderr.read() if self.process.stderr else b""
                    raise RuntimeError("slapd did not start: "
                                       f"{said.decode(errors='replace')}") from error
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@dataclass(frozen=True)
class Certificate:
    """The server's certificate and key (PEM files), and the port of its ldaps://."""

    certificate: Path
    key: Path
    tls_port: int


@contextmanager
def running_slapd(folder: Path, port: int, accounts: list[Account],
                  hq_members: list[str] = (),  # type: ignore[assignment]
                  tls: Certificate | None = None) -> Iterator[Slapd]:
    """slapd with a config and data of its own in ``folder``, listening on ``port`` (and
    with ``tls``, StartTLS there and ldaps:// on its port)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    data.mkdir(exist_ok=True)
    (folder / "ad-like.schema").write_text(AD_LIKE_SCHEMA, encoding="utf-8")
    includes = "".join(f"include {SCHEMAS / name}.schema\n"
                       for name in ("core", "cosine", "inetorgperson"))
    (folder / "slapd.conf").write_text(
        f"{includes}include {folder / 'ad-like.schema'}\n"
        f"pidfile {folder / 'slapd.pid'}\nmodulepath {MODULES}\nmoduleload back_mdb\n"
        + (f"TLSCertificateFile {tls.certificate}\nTLSCertificateKeyFile {tls.key}\n"
           if tls else "") +
        "access to attrs=userPassword by anonymous auth by * none\n"
        "access to * by * read\n"
        f'database mdb\nmaxsize 10485760\nsuffix "{BASE}"\nrootdn "cn=admin,{BASE}"\n'
        f"directory {data}\n", encoding="utf-8")
    (folder / "data.ldif").write_text(_ldif(accounts, list(hq_members)), encoding="utf-8")
    loaded = subprocess.run([SLAPADD, "-f", str(folder / "slapd.conf"), "-l",
                             str(folder / "data.ldif")], capture_output=True, check=False)
    if loaded.returncode != 0:
        raise RuntimeError(f"slapadd failed: {loaded.stderr.decode(errors='replace')}")
    server = Slapd(folder, port, tls_port=tls.tls_port if tls else None)
    server.start()
    try:
        yield server
    finally:
        server.stop()
