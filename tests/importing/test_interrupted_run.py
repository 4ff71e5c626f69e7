"""A run killed in the middle leaves the database exactly as it was before that run, and is
listed as interrupted; the next run imports everything."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import NOW_ISO, Bridge, activities_json, appointment

BRIDGE = str(Path(sys.executable).parent / "bridge")


def test_killed_import_leaves_the_database_as_before_and_is_listed_interrupted(
        hq: Bridge, database_url: str, tmp_path: Path) -> None:
    hq("import", "activities", _export(tmp_path / "first.json", 3), "--now", NOW_ISO)
    before = activities_json(hq)
    runs_before = hq("runs", "list").output.splitlines()[1:]
    big = _export(tmp_path / "big.json", 150_000)
    process = subprocess.Popen(
        [BRIDGE, "--database", database_url, "import", "activities", str(big), "--now", NOW_ISO],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    _wait_until_read(process, big, 2_000_000)  # its records are being imported
    helpers = _children(process.pid)  # (it renders calendar texts in a helper process)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert helpers, "the import had no helper process yet"
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in helpers):  # none left behind
        assert time.monotonic() < deadline, f"helper processes {helpers} outlived the import"
        time.sleep(0.1)

    assert activities_json(hq) == before
    listed = hq("runs", "list").output.splitlines()
    assert listed[2:] == runs_before  # (newest first)
    assert " interrupted " in listed[1] and "big.json" in listed[1]
    run_id = listed[1].split()[0]
    assert "nothing of it was imported — run it again" in hq("runs", "show", run_id).output
    again = hq("import", "activities", _export(tmp_path / "next.json", 5), "--now", NOW_ISO)
    assert again.exit_code == 0 and "imported 2, updated 0, unchanged 3" in again.output
    assert " interrupted " in hq("runs", "list").output.splitlines()[2]


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True,
                           check=False)
    return [int(child) for child in found.stdout.split()]


def _wait_until_read(process: subprocess.Popen[bytes], path: Path, position: int) -> None:
    """Wait until ``process`` has read ``path`` past ``position`` (its open file's offset)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the import ended before it could be interrupted"
        for descriptor in Path(f"/proc/{process.pid}/fd").iterdir():
            try:
                if Path(os.readlink(descriptor)) == path:
                    info = (descriptor.parent.parent / "fdinfo" / descriptor.name).read_text()
                    if int(info.split("pos:", 1)[1].split()[0]) > position:
                        return
            except (FileNotFoundError, ProcessLookupError):
                pass
        time.sleep(0.02)
    raise AssertionError(f"the import did not read {position} bytes of {path} in time")


def _export(path: Path, count: int) -> Path:
    records = [appointment(f"MA-{i}") for i in range(count)]
    path.write_text(json.dumps({"format": "bus-appointments/1", "appointments": records}))
    return path
