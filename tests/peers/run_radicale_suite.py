#!/usr/bin/env python3
"""Run Radicale's own request tests (TestBaseRequests, TestExpandRequests) on our storage.

What it does (see ../shared/peers/README.md for the suite):

1. copies the installed ``radicale`` package and the suite's ``radicale/tests`` (Radicale
   3.9.0's, kept outside the project) into a temporary folder, so they import as
   ``radicale.tests`` — nothing of the suite is copied into the project or changed;
2. makes an HQ database with ``bridge init``;
3. runs the two test classes with pytest and the ``radicale_suite_storage`` plugin (next to this
   script), which gives every test ``[storage] type = storage_plugin.storage`` on a fresh copy
   of that database;
4. exits 0 only when at least --min-passed tests passed (stock Radicale 3.9.0: 189 passed,
   1 failed, 6 skipped), at most --max-skipped were skipped and every failure is one stock
   Radicale has too (``test_report_free_busy``, an upstream regression).

Exit codes: 0 success, 1 the suite fell short, 2 the run could not be set up.
Not a pytest module (see tests/peers/test_radicale_suite.py for the CI wrapper).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import radicale
from run_caldav_suite import bridge_command, shortfalls, summary_counts, verdict

HERE = Path(__file__).resolve().parent
DEFAULT_TESTS = HERE.parents[2] / "shared" / "peers" / "radicale-tests"
TEST_IDS = ("radicale/tests/test_base.py::TestBaseRequests",
            "radicale/tests/test_expand.py::TestExpandRequests")
STOCK_PASSED = 189
STOCK_SKIPPED = 6
STOCK_FAILURES = {"test_report_free_busy"}
"""Fails on stock Radicale 3.9.0 too (a 3.8.2 change upstream)."""


def log(message: str) -> None:
    print(f"[radicale-suite] {message}", flush=True)


def prepare(tests_dir: Path, workdir: Path) -> Path:
    """A folder where ``radicale`` is the installed package with the suite as its tests."""
    suite = tests_dir / "radicale" / "tests"
    if not (suite / "test_base.py").exists():
        raise FileNotFoundError(f"no Radicale request tests in {suite} (see --tests-dir)")
    package = workdir / "radicale"
    shutil.copytree(Path(radicale.__file__).parent, package,
                    ignore=shutil.ignore_patterns("__pycache__", "tests"))
    shutil.copytree(suite, package / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    return workdir


def init_database(workdir: Path) -> Path:
    template = workdir / "hq-template.db"
    command = [bridge_command(), "--database", f"sqlite:///{template}", "init"]
    log("$ " + " ".join(command))
    subprocess.run(command, check=True, capture_output=True, text=True)
    return template


def run_suite(root: Path, template: Path, extra: list[str]) -> tuple[int, str]:
    env = {**os.environ, "BRIDGE_RADICALE_SUITE_TEMPLATE": str(template),
           "PYTHONPATH": os.pathsep.join([str(root), str(HERE)]),
           "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-c", os.devnull, "--rootdir", str(root),
               "-p", "radicale_suite_storage", "-p", "no:cacheprovider", "-q", "-rfEs",
               *TEST_IDS, *extra]
    log("$ " + " ".join(command) + f"  (in {root})")
    result = subprocess.run(command, cwd=root, env=env, text=True, capture_output=True, check=False)
    return result.returncode, result.stdout + result.stderr


def failed_tests(output: str) -> set[str]:
    return set(re.findall(r"^(?:FAILED|ERROR) \S+::(\w+)", output, re.MULTILINE))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run Radicale 3.9.0's request tests (TestBaseRequests, TestExpandRequests) "
                    "with storage_plugin.storage on a fresh SQLite HQ database per test.")
    parser.add_argument("--tests-dir", type=Path,
                        default=Path(os.environ.get("BRIDGE_RADICALE_TESTS", DEFAULT_TESTS)),
                        help="the suite's folder, holding radicale/tests/ (default: "
                             "$BRIDGE_RADICALE_TESTS or %(default)s)")
    parser.add_argument("--min-passed", type=int, default=STOCK_PASSED,
                        help="fail when fewer tests pass (default: %(default)s, stock Radicale)")
    parser.add_argument("--max-skipped", type=int, default=STOCK_SKIPPED,
                        help="fail when more tests are skipped (default: %(default)s, stock)")
    parser.add_argument("--keep-tmp", action="store_true",
                        help="keep the temporary folder (suite copy, databases)")
    parser.add_argument("pytest_args", nargs="*",
                        help="extra arguments for pytest (after --), e.g. -x or -k NAME")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bridge-radicale-suite-"))
    try:
        root = prepare(args.tests_dir.resolve(), workdir)
        template = init_database(workdir)
        returncode, output = run_suite(root, template, args.pytest_args)
    except (OSError, subprocess.CalledProcessError) as error:
        log(f"setup failed: {error}")
        return 2
    finally:
        if args.keep_tmp:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(output[-30000:])
    counts = summary_counts(output)
    log("summary: " + ", ".join(f"{value} {key}" for key, value in counts.items())
        + f" (pytest exit {returncode})")
    problems = shortfalls(counts, returncode, args.min_passed)
    if counts["skipped"] > args.max_skipped:
        problems.append(f"{counts['skipped']} skipped > {args.max_skipped}")
    unexpected = failed_tests(output) - STOCK_FAILURES
    if unexpected:
        problems.append("failed where stock Radicale passes: " + ", ".join(sorted(unexpected)))
    return verdict(problems, log)


if __name__ == "__main__":
    sys.exit(main())
