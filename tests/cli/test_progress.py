"""A long import shows a progress bar on a terminal; its last frame says the file was read
whole."""

import os
import pty
import re
import subprocess

from tests.conftest import NOW_ISO, Bridge, WriteExport, appointment
from tests.storage_plugin.conftest import BRIDGE


def test_the_progress_bar_ends_at_100_percent_after_an_import(
        hq: Bridge, write_export: WriteExport, database_url: str) -> None:
    path = write_export("appointments", [appointment(f"MA-{n}") for n in range(1200)])
    finished, shown = on_a_terminal([BRIDGE, "--database", database_url, "import", "activities",
                                     str(path), "--now", NOW_ISO])
    assert finished.returncode == 0
    frames = re.findall(rb"(\d+)%", shown)
    assert frames, shown
    assert frames[-1] == b"100", shown[-300:]


def on_a_terminal(command: list[str]) -> tuple[subprocess.CompletedProcess[bytes], bytes]:
    """Run ``command`` with its standard error on a terminal, as an operator's: how it ended
    (its standard output captured) and what the terminal showed."""
    controller, terminal = pty.openpty()
    try:
        finished = subprocess.run(command, stdout=subprocess.PIPE, stderr=terminal,
                                  timeout=120, check=False)
        os.close(terminal)
        shown = b""
        while chunk := _read(controller):
            shown += chunk
    finally:
        os.close(controller)
    return finished, shown


def _read(descriptor: int) -> bytes:
    try:
        return os.read(descriptor, 65536)
    except OSError:  # (the terminal's other end is closed: all was read)
        return b""
