"""WebDAV-Push's rules and registrations (``bridge.calendars.push``) and the server's VAPID
key pair (``bridge.infra.vapid``): which paths have push and under which topic, which
triggers and lifetimes are served, and what the dispatcher reads of the registrations."""

import base64
import os
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid
from sqlalchemy import Engine

from bridge.calendars import push
from bridge.infra.db import make_engine, transaction
from bridge.infra.vapid import vapid_keys
from tests.clock import NOW
from tests.conftest import Bridge


def subscription(resource: str = "https://push.example.net/d/1",
                 encoding: str = "aes128gcm") -> push.WebPushSubscription:
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint)
    return push.WebPushSubscription(resource, encoding, _b64(point), _b64(os.urandom(16)))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


CONTENT = push.Triggers(content_update=True, property_update=False)


def test_push_is_on_provisioned_collections_and_team_views_only() -> None:
    assert push.push_target("/bwilson/appointments/") == "bwilson/appointments"
    assert push.push_target("bwilson/customers") == "bwilson/customers"
    assert push.push_target("/awhite/team-bwilson-mobile/") == "bwilson/mobile"
    for path in ("/", "/bwilson/", "/bwilson/my-own-calendar/",
                 "/bwilson/appointments/item.ics", "/awhite/team-bwilson-nothing/"):
        assert push.push_target(path) is None


def test_topics_are_short_stable_and_secret() -> None:
    topic = push.topic("secret", "bwilson/appointments")
    assert len(topic) == 32 and topic == push.topic("secret", "bwilson/appointments")
    assert topic != push.topic("secret", "bwilson/tasks")
    assert topic != push.topic("other secret", "bwilson/appointments")


def test_triggers_served() -> None:
    assert push.accepted_triggers(None, None, trigger_given=False) == CONTENT  # DAVx5 4.5.19
    assert push.accepted_triggers("infinity", "1", True) == push.Triggers(True, True)
    assert push.accepted_triggers(None, "0", True) == push.Triggers(False, True)
    with pytest.raises(push.NoSupportedTrigger):
        push.accepted_triggers(None, None, trigger_given=True)
    with pytest.raises(push.NoSupportedTrigger):
        push.accepted_triggers("2", None, trigger_given=True)


def test_lifetimes_are_three_to_thirty_days() -> None:
    assert push.lifetime_until(None, NOW) == NOW + push.DEFAULT_LIFETIME
    assert push.lifetime_until(NOW + timedelta(hours=1), NOW) == NOW + timedelta(days=3)
    assert push.lifetime_until(NOW + timedelta(days=10), NOW) == NOW + timedelta(days=10)
    assert push.lifetime_until(NOW + timedelta(days=400), NOW) == NOW + timedelta(days=30)


@pytest.mark.parametrize(("changed", "reason"), [
    ({"content_encoding": "aesgcm"}, "content-encoding"),
    ({"public_key": _b64(b"\x04" + bytes(10))}, "P-256"),
    ({"public_key": "***"}, "base64url"),
    ({"auth_secret": _b64(bytes(8))}, "16 bytes"),
])
def test_subscriptions_whose_encryption_cannot_be_used_are_refused(
        changed: dict[str, str], reason: str) -> None:
    push.check_subscription(subscription())
    fields = {**subscription().__dict__, **changed}
    with pytest.raises(push.InvalidSubscription, match=reason):
        push.check_subscription(push.WebPushSubscription(**fields))


def test_registrations_are_renewed_watched_by_the_dispatcher_and_expire(
        hq: Bridge, engine: Engine) -> None:
    device = subscription()
    with transaction(engine) as session:
        made = push.register(session, "bwilson", "bwilson/appointments", device, CONTENT,
                             NOW + timedelta(days=3), NOW)
        renewed = push.register(session, "bwilson", "bwilson/appointments", device,
                                push.Triggers(True, True), NOW + timedelta(days=7), NOW)
        assert made.created and not renewed.created
        assert renewed.registration == made.registration
        push.register(session, "awhite", "bwilson/appointments", subscription("https://x.example/2"),
                      CONTENT, NOW + timedelta(days=3), NOW)
        live = push.watched(session, NOW)
        assert [(each.login, each.path, each.push_resource) for each in live] == [
            ("bwilson", "bwilson/appointments", device.push_resource),
            ("awhite", "bwilson/appointments", "https://x.example/2")]
        assert live[0].public_key == device.public_key
        assert live[0].known_token  # (the collection's token when it was made)
        later = NOW + timedelta(days=4)
        assert [each.push_resource for each in push.watched(session, later)] == [
            device.push_resource]
        assert push.forget_expired(session, later) == 1
        assert not push.unregister(session, "awhite", made.registration)  # not theirs
        assert push.unregister(session, "bwilson", made.registration)
        assert push.watched(session, NOW) == []


def test_the_cap_counts_live_subscriptions_only(hq: Bridge, engine: Engine) -> None:
    with transaction(engine) as session:
        for number in range(2):
            push.register(session, "cdavis", "cdavis/tasks", subscription(f"https://p/{number}"),
                          CONTENT, NOW + timedelta(days=3), NOW, most=2)
        with pytest.raises(push.PushNotAvailable, match="the most"):
            push.register(session, "cdavis", "cdavis/tasks", subscription("https://p/2"),
                          CONTENT, NOW + timedelta(days=3), NOW, most=2)
        later = NOW + timedelta(days=3, seconds=1)  # (both expired by then)
        assert push.register(session, "cdavis", "cdavis/tasks", subscription("https://p/2"),
                             CONTENT, later + timedelta(days=3), later, most=2).created


def test_the_vapid_key_pair_is_made_once_per_database(hq: Bridge, database_url: str,
                                                      engine: Engine) -> None:
    keys = vapid_keys(engine)
    other_process = make_engine(database_url)
    try:
        assert vapid_keys(other_process) == keys
    finally:
        other_process.dispose()
    signer = keys.signer()
    assert _b64(signer.public_key.public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint)) == keys.public_key
    claims = {"aud": "https://push.example.net", "sub": "mailto:hq@example.com"}
    scheme, _, fields = signer.sign(claims)["Authorization"].partition(" ")
    token, key = (field.partition("=")[2] for field in fields.split(","))
    assert scheme == "vapid" and key == keys.public_key
    head, body, signature = token.split(".")
    assert Vapid.from_raw_public(keys.public_key.encode()).verify_token(
        f"{head}.{body}".encode(), signature)
