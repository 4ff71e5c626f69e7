"""HTTPS with client certificates, as the source document's add-in connects: `bridge serve`
serving TLS itself (one process, and several) lets in only clients with a certificate of the
administrator's CA; a certificate naming a representative signs them in; the TLS versions and
ciphers are the configuration's.
"""

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import trustme

from tests.conftest import Bridge
from tests.storage_plugin.conftest import PASSWORD, Server, start_bridge_serve, stop_serving

PRINCIPAL = ('<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>')


class Certificates:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        server_ca, self.clients_ca = trustme.CA(), trustme.CA()
        self.server_ca_file = self._write("server-ca.pem", server_ca.cert_pem.bytes())
        served = server_ca.issue_cert("127.0.0.1")
        self.server_file = self._write("server.pem", b"".join(
            blob.bytes() for blob in served.cert_chain_pems))
        self.server_key = self._write("server.key", served.private_key_pem.bytes())
        self.clients_ca_file = self._write("clients-ca.pem", self.clients_ca.cert_pem.bytes())

    def client(self, name: str, ca: trustme.CA | None = None) -> tuple[str, str]:
        """A client certificate (and key) whose common name is ``name``."""
        issued = (ca or self.clients_ca).issue_cert(f"{name.replace(' ', '-')}.example",
                                                    common_name=name)
        return (self._write(f"{name}.pem", issued.cert_chain_pems[0].bytes()),
                self._write(f"{name}.key", issued.private_key_pem.bytes()))

    def _write(self, name: str, data: bytes) -> str:
        path = self.directory / name
        path.write_bytes(data)
        return str(path)


@pytest.fixture(params=[1, 2], ids=["one process", "2 workers"])
def https(request: pytest.FixtureRequest, staff_passwords: None, database_url: str,
          tmp_path: Path) -> Iterator[tuple[Server, Certificates]]:
    certificates = Certificates(tmp_path)
    served, process = start_bridge_serve(
        database_url, tmp_path, log_level="warning", workers=request.param,
        tls=f"certificate = {certificates.server_file}\nkey = {certificates.server_key}\n"
            f"certificate_authority = {certificates.clients_ca_file}")
    yield served, certificates
    stop_serving(process)


def signed_in_as(server: Server, certificates: Certificates, certificate: tuple[str, str],
                 login: str | None = None) -> requests.Response:
    return requests.request("PROPFIND", server.url, data=PRINCIPAL, headers={"Depth": "0"},
                            cert=certificate, verify=certificates.server_ca_file,
                            auth=(login, PASSWORD) if login else None, timeout=30)


def test_a_client_without_a_certificate_of_the_ca_cannot_connect(
        https: tuple[Server, Certificates]) -> None:
    server, certificates = https
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(server.url, verify=certificates.server_ca_file, auth=("bwilson", PASSWORD),
                     timeout=30)
    with pytest.raises(requests.exceptions.ConnectionError):
        signed_in_as(server, certificates, certificates.client("bwilson", trustme.CA()),
                     "bwilson")


def test_a_certificate_naming_a_representative_signs_them_in(
        https: tuple[Server, Certificates]) -> None:
    server, certificates = https
    theirs = certificates.client("bwilson")
    answer = signed_in_as(server, certificates, theirs)
    assert answer.status_code == 207 and "<href>/bwilson/</href>" in answer.text
    # the certificate's identity, whatever login a client sends
    answer = signed_in_as(server, certificates, theirs, "cdavis")
    assert answer.status_code == 207 and "<href>/bwilson/</href>" in answer.text
    calendar = requests.request("PROPFIND", server.url + "bwilson/appointments/",
                                headers={"Depth": "1"}, cert=theirs,
                                verify=certificates.server_ca_file, timeout=30)
    assert calendar.status_code == 207


def test_a_certificate_naming_nobody_leaves_it_to_the_password(
        https: tuple[Server, Certificates]) -> None:
    server, certificates = https
    device = certificates.client("Sales laptop 7")
    assert signed_in_as(server, certificates, device).status_code == 401
    answer = signed_in_as(server, certificates, device, "bwilson")
    assert answer.status_code == 207 and "<href>/bwilson/</href>" in answer.text
    retired = certificates.client("nobody-here")
    assert signed_in_as(server, certificates, retired).status_code == 401


def test_the_tls_versions_and_ciphers_of_the_configuration_are_kept(
        staff_passwords: None, database_url: str, tmp_path: Path) -> None:
    """``[server] protocol`` and ``ciphersuite`` as Radicale reads them: with TLS 1.3 only, a
    client that stops at TLS 1.2 cannot connect, one that speaks 1.3 can."""
    certificates = Certificates(tmp_path)
    served, process = start_bridge_serve(
        database_url, tmp_path, log_level="warning",
        tls=f"certificate = {certificates.server_file}\nkey = {certificates.server_key}\n"
            "protocol = -ALL +TLSv1.3\nciphersuite = HIGH:!aNULL")
    try:
        host, port = served.url.split("//")[1].rstrip("/").split(":")
        for highest, connects in ((ssl.TLSVersion.TLSv1_2, False),
                                  (ssl.TLSVersion.TLSv1_3, True)):
            context = ssl.create_default_context(cafile=certificates.server_ca_file)
            context.maximum_version = highest
            try:
                with socket.create_connection((host, int(port)), timeout=30) as raw, \
                        context.wrap_socket(raw, server_hostname=host) as wrapped:
                    assert wrapped.version() == "TLSv1.3"
                    assert connects
            except ssl.SSLError:
                assert not connects
    finally:
        stop_serving(process)


@pytest.mark.parametrize(("setting", "said"), [
    ("protocol = -ALL +TLSv9", "[server] protocol = -ALL +TLSv9: SSL protocol config contains "
                               "unsupported entry 'TLSv9'"),
    ("protocol = -ALL", "[server] protocol = -ALL leaves no TLS version to use"),
    ("ciphersuite = NOTACIPHER", "[server] ciphersuite = NOTACIPHER names no cipher"),
    ("type = hypercorn", "[server] type = hypercorn: bridge serve runs its own server"),
])
def test_server_settings_gunicorn_cannot_take_are_refused_at_start(
        bridge: Bridge, tmp_path: Path, setting: str, said: str) -> None:
    certificates = Certificates(tmp_path)
    config = tmp_path / "radicale.ini"
    config.write_text(f"[server]\nssl = True\ncertificate = {certificates.server_file}\n"
                      f"key = {certificates.server_key}\n{setting}\n", encoding="utf-8")
    result = bridge("serve", "--config", config)
    assert result.exit_code == 1
    assert said in result.output
