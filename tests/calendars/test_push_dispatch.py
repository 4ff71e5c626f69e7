"""The dispatcher's rules: a device is sent at most one message per merge interval and none
before a failed delivery's retry, whose pause doubles up to an hour; the message is the
draft's push-message with the topic and the new sync token."""

import xml.etree.ElementTree as ET
from datetime import timedelta

from bridge.calendars.push import Watched
from bridge.calendars.push_dispatch import LAST_RETRY, MERGE, may_send, push_message, retry_pause
from tests.clock import utc

NOW = utc(0)
P = "https://bitfire.at/webdav-push"


def watched(sent_ago: float | None = None, retry_in: float | None = None) -> Watched:
    return Watched(1, "bwilson", "bwilson/appointments", "https://push.example.net/x", "k",
                   "a", "token-1",
                   None if sent_ago is None else NOW - timedelta(seconds=sent_ago),
                   None if retry_in is None else NOW + timedelta(seconds=retry_in))


def test_a_device_is_sent_at_most_one_message_per_merge_interval() -> None:
    assert may_send(watched(), NOW)
    assert not may_send(watched(sent_ago=MERGE.total_seconds() - 1), NOW)
    assert may_send(watched(sent_ago=MERGE.total_seconds()), NOW)
    assert may_send(watched(sent_ago=2), NOW, merge=timedelta(seconds=1))


def test_nothing_is_sent_before_a_failed_deliverys_retry() -> None:
    assert not may_send(watched(retry_in=5), NOW)
    assert may_send(watched(retry_in=0), NOW)


def test_the_pause_after_failures_doubles_up_to_an_hour() -> None:
    assert [retry_pause(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_pause(8) == retry_pause(1000) == LAST_RETRY


def test_the_message_holds_the_topic_and_the_new_sync_token() -> None:
    message = ET.fromstring(push_message("O7M1nQ7cKkKTKsoS_j6Z3w", "http://x.invalid/sync/7"))
    assert message.tag == f"{{{P}}}push-message"
    assert message.findtext(f"{{{P}}}topic") == "O7M1nQ7cKkKTKsoS_j6Z3w"
    assert message.findtext(f"{{{P}}}content-update/{{DAV:}}sync-token") == \
        "http://x.invalid/sync/7"
