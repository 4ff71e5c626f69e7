"""Third-party test suites against our server, each run by its script in a subprocess.

Only when BRIDGE_PEER_TESTS=1 (CI sets it; SQLite is enough for them):
- the caldav library's functional suite (caldav 3.6.0) against a real `bridge serve`
  (run_caldav_suite.py, about 3 minutes plus building the caldav venv on the first run; the
  sdist and venv are cached in $BRIDGE_PEER_CACHE_DIR when given);
- Radicale 3.9.0's own request tests with our storage (run_radicale_suite.py, about 25 s;
  the suite lives outside the project, in ../shared/peers/radicale-tests or
  $BRIDGE_RADICALE_TESTS — a missing suite fails the test, it is not skipped).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent

pytestmark = pytest.mark.skipif(os.environ.get("BRIDGE_PEER_TESTS") != "1",
                                reason="peer test suites run only with BRIDGE_PEER_TESTS=1")


def run_script(name: str, *args: str) -> None:
    result = subprocess.run([sys.executable, str(HERE / name), *args], capture_output=True,
                            text=True, timeout=3600, check=False)
    assert result.returncode == 0, (
        f"{name} exited {result.returncode}\n"
        f"--- stdout (tail) ---\n{result.stdout[-20000:]}\n--- stderr ---\n{result.stderr[-5000:]}")


def test_caldav_functional_suite_passes_against_bridge_serve() -> None:
    cache = os.environ.get("BRIDGE_PEER_CACHE_DIR")
    run_script("run_caldav_suite.py", *(["--cache-dir", cache] if cache else []))


def test_radicale_request_suite_passes_as_on_stock_radicale_with_our_storage() -> None:
    run_script("run_radicale_suite.py")
