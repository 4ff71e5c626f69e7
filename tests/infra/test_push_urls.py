"""Which push resources the server may post to (``bridge.infra.push_urls``): the URL's
scheme, every address its host resolves to, and the operator's allow-list. The resolver is
handed in where a test needs a name to resolve to given addresses (DNS answers are what a
hostile client controls); ``localhost`` is resolved by the system."""

import pytest

from bridge.infra.push_urls import (
    AllowList,
    Resolver,
    UnsafePushResource,
    check_push_resource,
)

PUBLIC = "93.184.215.14"


def resolving_to(*addresses: str) -> Resolver:
    def resolve(host: str, port: int) -> list[str]:
        return list(addresses)
    return resolve


def test_an_https_url_on_public_addresses_is_taken() -> None:
    check_push_resource("https://push.example.net/d/1", resolver=resolving_to(
        PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"))
    check_push_resource(f"https://{PUBLIC}:8443/d/1")


@pytest.mark.parametrize("addresses", [
    ("127.0.0.1",), ("10.0.0.7",), ("172.16.1.1",), ("192.168.1.1",),
    ("169.254.169.254",),  # cloud metadata
    ("100.64.0.1",),  # shared address space (carrier-grade NAT)
    ("0.0.0.0",), ("224.0.0.1",), ("240.0.0.1",), ("::1",), ("fe80::1%eth0",),
    ("fd00:ec2::254",),  # a cloud's metadata over IPv6 (unique local)
    ("::ffff:10.0.0.1",), ("2002:7f00:1::1",),  # IPv4 inside IPv6: mapped, 6to4
    (PUBLIC, "127.0.0.1"),  # one private address among public ones is enough
])
def test_a_name_resolving_to_a_private_address_is_refused(addresses: tuple[str, ...]) -> None:
    with pytest.raises(UnsafePushResource, match="not on a public address"):
        check_push_resource("https://push.example.net/d", resolver=resolving_to(*addresses))


def test_the_systems_resolver_is_asked() -> None:
    with pytest.raises(UnsafePushResource, match="not on a public address"):
        check_push_resource("https://localhost/d")
    with pytest.raises(UnsafePushResource, match="cannot be resolved"):
        check_push_resource("https://no-such-host.invalid/d")


@pytest.mark.parametrize("url", [
    "http://push.example.net/d", "ftp://push.example.net/d", "push.example.net/d",
    "https:///d", "https://user:secret@push.example.net/d", "https://[::1/d",
    "https://push.example.net/" + "d" * 2048,
])
def test_urls_that_are_not_https_to_a_host_are_refused(url: str) -> None:
    with pytest.raises(UnsafePushResource):
        check_push_resource(url, resolver=resolving_to(PUBLIC))


def test_the_allow_list_admits_its_hosts_and_networks_over_http_too() -> None:
    allowed = AllowList.parse("push.intranet.example, 127.0.0.1 10.20.0.0/16 [::1]")
    check_push_resource("http://push.intranet.example:8080/d", allowed,
                        resolving_to("192.168.5.5"))
    check_push_resource("http://127.0.0.1:9/d", allowed)
    check_push_resource("https://[::1]/d", allowed)
    check_push_resource("https://relay.example/d", allowed, resolving_to("10.20.3.4"))
    with pytest.raises(UnsafePushResource, match="not on a public address"):
        check_push_resource("https://relay.example/d", allowed,
                            resolving_to("10.20.3.4", "10.21.0.1"))
    with pytest.raises(UnsafePushResource, match="https"):
        check_push_resource("http://push.example.net/d", allowed, resolving_to(PUBLIC))


def test_an_allow_list_entry_that_is_none_is_named() -> None:
    with pytest.raises(ValueError, match="'bad_host!'"):
        AllowList.parse("127.0.0.1 bad_host!")
