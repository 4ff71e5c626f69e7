"""The caldav library's own functional suite (caldav 3.6.0) against a real `bridge serve`.

Runs tests/peers/run_caldav_suite.py in a subprocess (about 3 minutes, plus building the caldav
venv on the first run). Only when BRIDGE_PEER_TESTS=1 (CI sets it); the sdist and venv are cached
in $BRIDGE_PEER_CACHE_DIR when given, else in the script's default under the system temp dir.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("run_caldav_suite.py")


@pytest.mark.skipif(os.environ.get("BRIDGE_PEER_TESTS") != "1",
                    reason="peer test suites run only with BRIDGE_PEER_TESTS=1")
def test_caldav_functional_suite_passes_against_bridge_serve() -> None:
    command = [sys.executable, str(SCRIPT)]
    if os.environ.get("BRIDGE_PEER_CACHE_DIR"):
        command += ["--cache-dir", os.environ["BRIDGE_PEER_CACHE_DIR"]]
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    assert result.returncode == 0, (
        f"run_caldav_suite.py exited {result.returncode}\n"
        f"--- stdout (tail) ---\n{result.stdout[-20000:]}\n--- stderr ---\n{result.stderr[-5000:]}")
