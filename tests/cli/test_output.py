"""A command's work never depends on its output being read: `bridge … | head -c0` commits its
change, exits 0 and says nothing (before, the change was rolled back and the exit code 1)."""

import json
import subprocess

from tests.clock import iso
from tests.conftest import BRIDGE, Bridge


def piped(database_url: str, reader: str, *args: str) -> int:
    """The exit code of `bridge ARGS | READER` (the command's own, as pipefail gives it)."""
    command = " ".join(f"'{part}'" for part in (BRIDGE, "--database", database_url, *args))
    completed = subprocess.run(["bash", "-c", f"set -o pipefail; {command} | {reader}"],
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.stderr == "", completed.stderr
    return completed.returncode


def test_a_change_is_kept_when_the_reader_closes_the_pipe_at_once(
        hq: Bridge, database_url: str) -> None:
    assert piped(database_url, "head -c0", "settings", "set", "bwilson",
                 "--text-priority", "client") == 0
    assert "Text priority:    client" in hq("settings", "show", "bwilson").output


def test_a_new_activity_is_kept_when_its_output_is_not_read(hq: Bridge, database_url: str) -> None:
    assert piped(database_url, "true", "activities", "add", "-r", "bwilson", "--name",
                 "Call back", "--start", iso(3, "10:00"), "--customer", "C-1001") == 0
    listed = json.loads(hq("activities", "list", "--format", "json").output)
    assert [a["name"] for a in listed] == ["Call back"]


def test_a_long_list_read_in_part_ends_quietly(hq: Bridge, database_url: str) -> None:
    for number in range(30):
        assert hq("activities", "add", "-r", "bwilson", "--name", f"Visit {number}",
                  "--start", iso(3 + number % 5, "10:00")).exit_code == 0
    assert piped(database_url, "head -n1 > /dev/null", "activities", "list",
                 "--format", "csv") == 0
