"""The scale benchmark (bench/scale_bench.py) runs through, reduced: two small HQs on
PostgreSQL, every table printed, no request failed. Its figures belong to full runs, not here."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "scale_bench.py"


@pytest.mark.skipif(not os.environ.get("BRIDGE_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="the scale benchmark runs on PostgreSQL")
def test_the_scale_benchmark_runs_through_reduced(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--reps", "2,5", "--per-rep", "30", "--import", "200",
         "--rates", "10,20", "--step", "2", "--repeat", "2", "--data", str(tmp_path)],
        capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    for table in ("One representative's operations", "Throughput", "Importing 200 new"):
        assert table in done.stdout, done.stdout
    errors = [int(row.split("|")[6]) for row in done.stdout.splitlines()
              if re.match(r"\| [12] \| \d+ \|", row)]
    assert errors and not any(errors), done.stdout
