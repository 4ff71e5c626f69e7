"""Whether a Web Push resource is safe to send to (against server-side request forgery: a
client must not make the server post to its own network).

A push resource must be an ``https://`` URL whose host resolves (every address it resolves
to) to public addresses only: no loopback, private, link-local (cloud metadata services such
as 169.254.169.254), multicast, reserved or unspecified address, IPv4 addresses hidden in
IPv6 ones included. An operator's allow-list (``[storage] push_allow``: hosts, addresses or
networks) admits a host or address that would be refused, and plain ``http://`` to it. The
check resolves the name itself, so a delivery checks again (each redirect too) rather than
trusting a check made at registration: DNS answers change."""

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from bridge.errors import InvalidInput

MOST_CHARACTERS = 2048
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]


class UnsafePushResource(InvalidInput):
    """The push resource may not be sent to; the message says why (no secret in it)."""


@dataclass(frozen=True)
class AllowList:
    """Hosts (by name, lower case) and networks admitted although not public."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> "AllowList":
        """From the setting: entries separated by commas or spaces; ValueError naming a
        bad one."""
        hosts: set[str] = set()
        networks: list[Network] = []
        for entry in (text or "").replace(",", " ").split():
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                if not _is_host_name(entry):
                    raise ValueError(f"{entry!r} is neither a host name, an address nor a "
                                     "network") from None
                hosts.add(entry.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def admits_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def admits(self, address: Address) -> bool:
        return any(address in network for network in self.networks)


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system's resolver)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafePushResource(f"its host {host[:100]} cannot be resolved") from error
    return [str(info[4][0]) for info in found]


def check_push_resource(url: str, allowed: AllowList = AllowList(),
                        resolver: Resolver = resolve) -> None:
    """Nothing when ``url`` may be sent to (see the module); else :class:`UnsafePushResource`."""
    if len(url) > MOST_CHARACTERS:
        raise UnsafePushResource(f"it is longer than {MOST_CHARACTERS} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafePushResource(f"it is not a URL that can be read ({error})") from error
    host = parts.hostname or ""
    if not host or parts.username is not None or parts.password is not None:
        raise UnsafePushResource("it names no host, or carries credentials")
    named = allowed.admits_host(host)
    plain = parts.scheme == "http"
    if parts.scheme != "https" and not (plain and (named or allowed.networks)):
        raise UnsafePushResource("it is not an https:// URL")
    addresses = [_address(text) for text in _literal_or(host, port, parts.scheme, resolver)]
    if plain and not (named or all(map(allowed.admits, addresses))):
        raise UnsafePushResource("it is not an https:// URL")
    for address in addresses:
        if not (named or allowed.admits(address) or _public(address)):
            raise UnsafePushResource(f"its host {host[:100]} is not on a public address")


def _literal_or(host: str, port: int | None, scheme: str, resolver: Resolver) -> list[str]:
    """The address ``host`` is written as, or those it resolves to."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        return resolver(host, port or (80 if scheme == "http" else 443))


def _address(text: str) -> Address:
    address = ipaddress.ip_address(text.partition("%")[0])  # (an IPv6 zone: fe80::1%eth0)
    if isinstance(address, ipaddress.IPv6Address):
        hidden = address.ipv4_mapped or address.sixtofour or (
            address.teredo[1] if address.teredo else None)
        if hidden is not None:
            return hidden
    return address


def _public(address: Address) -> bool:
    return address.is_global and not (address.is_multicast or address.is_reserved
                                       or address.is_link_local or address.is_loopback)


def _is_host_name(text: str) -> bool:
    labels = text.rstrip(".").split(".")
    return bool(text) and all(
        label and len(label) <= 63 and label.replace("-", "").isalnum() and label.isascii()
        for label in labels)
