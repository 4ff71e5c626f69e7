"""A run killed in the middle leaves the database exactly as it was before that run."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import NOW_ISO, activities_json, appointment

BRIDGE = str(Path(sys.executable).parent / "bridge")


def test_killed_import_leaves_the_database_as_before(hq, database_url, tmp_path):
    hq("import", "activities", _export(tmp_path / "first.json", 3), "--now", NOW_ISO)
    before = activities_json(hq)
    runs_before = hq("runs", "list").output
    big = _export(tmp_path / "big.json", 150_000)
    process = subprocess.Popen(
        [BRIDGE, "--database", database_url, "import", "activities", str(big), "--now", NOW_ISO],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    time.sleep(2.5)
    assert process.poll() is None, "the import finished before it could be interrupted"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert activities_json(hq) == before
    assert hq("runs", "list").output == runs_before
    again = hq("import", "activities", _export(tmp_path / "next.json", 5), "--now", NOW_ISO)
    assert again.exit_code == 0 and "imported 2, updated 0, unchanged 3" in again.output


def _export(path: Path, count: int) -> Path:
    records = [appointment(f"MA-{i}") for i in range(count)]
    path.write_text(json.dumps({"format": "bus-appointments/1", "appointments": records}))
    return path
