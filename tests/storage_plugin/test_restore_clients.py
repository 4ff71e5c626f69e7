"""What a calendar client (the ``caldav`` library) sees when the HQ database is restored from
a backup while the server runs (docs/operators/backup.md): the sync token it holds from
after the backup is refused (403 DAV:valid-sync-token), it syncs afresh once, and then it
holds exactly what HQ holds — nothing the restore took back, not even what it wrote itself —
and syncs by token again."""

from pathlib import Path

import caldav
import pytest
from caldav.lib import error

from tests.clock import NOW, at
from tests.conftest import (
    Bridge,
    WriteExport,
    appointment,
    import_appointments,
    later_version,
)
from tests.storage_plugin.conftest import Server

VALID_SYNC_TOKEN = "{DAV:}valid-sync-token"


def _held(objects: caldav.SynchronizableCalendarObjectCollection) -> dict[str, str]:
    """What the client holds: its items' file names and their texts."""
    return {str(item.url).rsplit("/", 1)[-1]: item.data for item in objects}


def _served(server: Server, path: str) -> dict[str, str]:
    """What the server holds in the collection (the client's view of HQ), read afresh."""
    calendar = server.client("bwilson").calendar(url=server.url + path)
    return _held(calendar.get_objects_by_sync_token(load_objects=True))


def test_after_a_restore_a_client_resyncs_once_and_holds_what_hq_holds(
        server: Server, hq: Bridge, write_export: WriteExport, tmp_path: Path) -> None:
    later = NOW.replace(hour=10).isoformat()  # (an hour after the first import)
    import_appointments(hq, write_export, appointment("MA-1"))
    client = server.client("bwilson")
    mobile = client.calendar(url=server.url + "bwilson/mobile/")
    private = client.calendar(url=server.url + "bwilson/private/")
    server.http("bwilson").request("MKCALENDAR", server.url + "bwilson/private/")
    private.save_event(dtstart=at(8, "09:00"), dtend=at(8, "10:00"), summary="Before",
                       uid="before-backup")
    held = mobile.get_objects_by_sync_token(load_objects=True)
    held_private = private.get_objects_by_sync_token(load_objects=True)
    assert set(_held(held)) == {"mobile-MA-1.ics"}

    backup = tmp_path / "hq.backup"
    result = hq("backup", backup)
    assert result.exit_code == 0, result.output

    # After the backup: HQ changes, the client writes, and it syncs all of it.
    import_appointments(hq, write_export, later_version("MA-1", name="Renamed after"),
                        appointment("MA-2"), now=later)
    private.save_event(dtstart=at(9, "09:00"), dtend=at(9, "10:00"), summary="After",
                       uid="after-backup")
    held.sync()
    held_private.sync()
    assert set(_held(held)) == {"mobile-MA-1.ics", "mobile-MA-2.ics"}
    assert "Renamed after" in _held(held)["mobile-MA-1.ics"]
    assert len(_held(held_private)) == 2
    token, private_token = held.sync_token, held_private.sync_token

    result = hq("restore", backup, "--yes")
    assert result.exit_code == 0, result.output
    # HQ works on: its change log passes the client's counter value again.
    import_appointments(hq, write_export, appointment("MA-1"), appointment("MA-3"), now=later)
    import_appointments(hq, write_export, appointment("MA-1"), appointment("MA-3"),
                        appointment("MA-4"), now=later)

    for calendar, old in ((mobile, token), (private, private_token)):
        with pytest.raises(error.DAVError) as refused:
            calendar.get_objects_by_sync_token(old, disable_fallback=True)
        assert VALID_SYNC_TOKEN in refused.value.preconditions

    # The client's sync falls back to a full comparison once: it drops what HQ does not hold.
    updated, deleted = held.sync()
    assert {str(item.url).rsplit("/", 1)[-1] for item in deleted} == {"mobile-MA-2.ics"}
    assert {str(item.url).rsplit("/", 1)[-1] for item in updated} == {
        "mobile-MA-1.ics", "mobile-MA-3.ics", "mobile-MA-4.ics"}
    assert _held(held) == _served(server, "bwilson/mobile/")
    assert set(_held(held)) == {"mobile-MA-1.ics", "mobile-MA-3.ics", "mobile-MA-4.ics"}
    assert "Renamed after" not in _held(held)["mobile-MA-1.ics"]
    held_private.sync()
    assert _held(held_private) == _served(server, "bwilson/private/")
    assert [("after-backup" in text) for text in _held(held_private).values()] == [False]

    # Starting over with a fresh token, it syncs by token again: one change, one item.
    fresh = mobile.get_objects_by_sync_token(load_objects=True)
    assert not fresh.sync_token.startswith("fake-")
    import_appointments(hq, write_export, appointment("MA-1"), appointment("MA-3"),
                        appointment("MA-4"), appointment("MA-5"), now=later)
    changed = mobile.get_objects_by_sync_token(fresh.sync_token, disable_fallback=True)
    assert [str(item.url).rsplit("/", 1)[-1] for item in changed] == ["mobile-MA-5.ics"]
