#!/usr/bin/env python3
"""Run the `caldav` library's own functional test suite (caldav 3.6.0) against `bridge serve`.

What it does (see /work/shared/notes/test-peers.md for the recipe it automates):

1. makes a fresh temporary directory with a new SQLite HQ database loaded by `bridge demo`;
2. starts `bridge --database sqlite:///TMP/hq.db serve --port FREE_PORT` as a subprocess;
3. fetches the caldav 3.6.0 sdist and builds a separate virtualenv with `caldav-3.6.0[test]`
   and caldav-server-tester 1.7.0 (for testCheckCompatibility; both cached in --cache-dir, so
   re-runs skip this);
4. writes `tests/caldav_test_servers.yaml` pointing at our server (user bwilson) and runs
   tests/test_caldav.py and tests/test_async_integration.py with `-k localdav`;
5. prints pytest's summary, stops the server, and exits 0 only when nothing failed or errored
   and at least --min-passed tests passed (stock Radicale 3.9.0: 119 passed, 13 skipped).

Exit codes: 0 success, 1 the suite fell short, 2 the run could not be set up.
Not a pytest module (see tests/peers/test_caldav_suite.py for the CI wrapper).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

CALDAV_VERSION = "3.6.0"
SERVER_TESTER = "caldav-server-tester==1.7.0"
"""Not in caldav's [test] extra on purpose (it depends on caldav); without it
testCheckCompatibility skips itself and even stock Radicale stops at 118 passed."""
STOCK_PASSED = 119
DEMO_LOGIN = "bwilson"
DEMO_PASSWORD = "bwilson-demo-2026"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "bridge-caldav-suite-cache"
TEST_FILES = ("tests/test_caldav.py", "tests/test_async_integration.py")

SERVERS_YAML = """\
test-servers:
  radicale: {{type: embedded, enabled: false}}
  xandikos: {{type: embedded, enabled: false}}
  baikal:   {{type: docker, enabled: false}}
  localdav:
    type: external
    enabled: true
    url: {url}
    username: {username}
    password: {password}
    features:
      base: radicale
      save-load.mutable.if-match-wildcard: {{support: full}}
      search.text.case-sensitive: {{support: full}}
"""


class SetupError(RuntimeError):
    """The run could not be prepared (download, venv, server start)."""


def log(message: str) -> None:
    print(f"[caldav-suite] {message}", flush=True)


def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    log("$ " + " ".join(str(part) for part in command))
    result = subprocess.run(command, text=True, capture_output=True, **kwargs, check=False)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise SetupError(f"{command[0]} exited {result.returncode}:\n"
                         f"{result.stdout}\n{result.stderr}")
    return result


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Serialise cache building between concurrent runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached_sdist(cache: Path, python: str) -> Path:
    sdist = cache / f"caldav-{CALDAV_VERSION}.tar.gz"
    if not sdist.exists():
        download = cache / "download"
        shutil.rmtree(download, ignore_errors=True)
        run([python, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             f"caldav=={CALDAV_VERSION}", "-d", str(download)])
        found = list(download.glob(f"caldav-{CALDAV_VERSION}.tar.gz"))
        if not found:
            raise SetupError(f"pip download left no caldav-{CALDAV_VERSION}.tar.gz in {download}")
        found[0].replace(sdist)
        shutil.rmtree(download, ignore_errors=True)
    return sdist


def unpack(sdist: Path, into: Path) -> Path:
    with tarfile.open(sdist) as archive:
        archive.extractall(into, filter="data")
    source = into / f"caldav-{CALDAV_VERSION}"
    if not (source / "tests" / "test_caldav.py").exists():
        raise SetupError(f"{sdist} has no tests/test_caldav.py")
    return source


def cached_venv(cache: Path, sdist: Path, python: str, server_tester: bool) -> Path:
    venv = cache / (f"venv-caldav-{CALDAV_VERSION}" + ("-cst" if server_tester else ""))
    ready = venv / ".installed"
    if ready.exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="caldav-src-") as scratch:
        source = unpack(sdist, Path(scratch))
        run([python, "-m", "venv", str(venv)])
        extra = [SERVER_TESTER] if server_tester else []
        run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
             f"{source}[test]", *extra])
    ready.write_text(f"caldav {CALDAV_VERSION}\n")
    return venv


def prepare_cache(cache: Path, python: str, server_tester: bool) -> tuple[Path, Path]:
    cache.mkdir(parents=True, exist_ok=True)
    with locked(cache / ".lock"):
        sdist = cached_sdist(cache, python)
        venv = cached_venv(cache, sdist, python, server_tester)
    return sdist, venv


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def bridge_command() -> str:
    script = Path(sys.executable).parent / "bridge"
    if script.exists():
        return str(script)
    found = shutil.which("bridge")
    if found is None:
        raise SetupError("no `bridge` console script next to the interpreter or on PATH")
    return found


def load_demo(bridge: str, database: str, workdir: Path) -> None:
    result = run([bridge, "--database", database, "demo", "--data-dir",
                  str(workdir / "demo-data")], cwd=workdir)
    if DEMO_LOGIN not in result.stdout:
        log(f"warning: `bridge demo` output does not mention {DEMO_LOGIN}")


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log_file: Path,
                       timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SetupError(f"`bridge serve` exited {process.returncode}:\n"
                             + log_file.read_text(errors="replace"))
        try:
            urllib.request.urlopen(url, timeout=2)  # (our own 127.0.0.1 server)
            return
        except urllib.error.HTTPError:  # 401 and the like: it answers
            return
        except OSError:
            time.sleep(0.2)
    raise SetupError(f"`bridge serve` did not answer on {url} within {timeout:.0f} s")


@contextlib.contextmanager
def serving(bridge: str, database: str, host: str, port: int, workdir: Path,
            timeout: float) -> Iterator[str]:
    url = f"http://{host}:{port}/"
    log_file = workdir / "serve.log"
    command = [bridge, "--database", database, "serve", "--host", host, "--port", str(port)]
    log("$ " + " ".join(command) + f"  (log: {log_file})")
    with log_file.open("wb") as output:
        process = subprocess.Popen(command, cwd=workdir, stdout=output,
                                   stderr=subprocess.STDOUT)
    try:
        wait_until_serving(url, process, log_file, timeout)
        yield url
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log(f"server stopped (exit {process.returncode})")


def run_suite(venv: Path, source: Path, url: str, keyword: str, extra: list[str],
              timeout: float) -> tuple[int, str]:
    (source / "tests" / "caldav_test_servers.yaml").write_text(
        SERVERS_YAML.format(url=url, username=DEMO_LOGIN, password=DEMO_PASSWORD))
    env = {**os.environ, "PYTHON_CALDAV_TEST_EMBEDDED": "0", "PYTHON_CALDAV_TEST_DOCKER": "0"}
    env.pop("VIRTUAL_ENV", None)
    command = [str(venv / "bin" / "pytest"), "-o", "asyncio_default_fixture_loop_scope=function",
               "-p", "no:cacheprovider", "-q", "-rfEs", *TEST_FILES, "-k", keyword, *extra]
    log("$ " + " ".join(command) + f"  (in {source})")
    lines: list[str] = []
    process = subprocess.Popen(command, cwd=source, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    started = time.monotonic()
    for line in process.stdout:
        lines.append(line)
        sys.stdout.write(line)
        if time.monotonic() - started > timeout:
            process.kill()
            lines.append(f"\n[caldav-suite] pytest killed after {timeout:.0f} s\n")
            break
    process.wait()
    return process.returncode, "".join(lines)


def summary_counts(output: str) -> dict[str, int]:
    """passed/failed/skipped/error… from pytest's last summary line."""
    summary = ""
    for line in output.splitlines():
        if re.search(r"\b(passed|failed|skipped|error|errors|no tests ran)\b", line) and (
                " in " in line):
            summary = line
    counts = {"passed": 0, "failed": 0, "skipped": 0, "errors": 0, "xfailed": 0, "xpassed": 0}
    for number, word in re.findall(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)",
                                   summary):
        counts["errors" if word.startswith("error") else word] = int(number)
    return counts


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=f"Run caldav {CALDAV_VERSION}'s functional test suite against `bridge serve`"
                    " on a fresh demo database.")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE,
                        help="where the caldav sdist and its test venv are kept between runs "
                             "(default: %(default)s)")
    parser.add_argument("--min-passed", type=int, default=STOCK_PASSED,
                        help="fail when fewer tests pass (default: %(default)s, stock Radicale)")
    parser.add_argument("--max-failed", type=int, default=0,
                        help="fail when more tests fail or error (default: %(default)s)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to serve on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0,
                        help="port to serve on (default: a free one)")
    parser.add_argument("-k", "--keyword", default="localdav",
                        help="pytest -k expression (default: %(default)s)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter used to download caldav and create its venv "
                             "(default: this one)")
    parser.add_argument("--no-server-tester", action="store_true",
                        help=f"do not install {SERVER_TESTER} (testCheckCompatibility then "
                             "skips: lower --min-passed to 118)")
    parser.add_argument("--keep-tmp", action="store_true",
                        help="keep the temporary directory (database, server log, sources)")
    parser.add_argument("--start-timeout", type=float, default=60,
                        help="seconds to wait for the server to answer (default: %(default)s)")
    parser.add_argument("--suite-timeout", type=float, default=1800,
                        help="seconds before pytest is killed (default: %(default)s)")
    parser.add_argument("pytest_args", nargs="*",
                        help="extra arguments for pytest (after --), e.g. -x or a test id")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bridge-caldav-suite-"))
    log(f"working in {workdir}")
    try:
        sdist, venv = prepare_cache(args.cache_dir.resolve(), args.python,
                                    not args.no_server_tester)
        source = unpack(sdist, workdir)
        bridge = bridge_command()
        database = f"sqlite:///{workdir / 'hq.db'}"
        load_demo(bridge, database, workdir)
        port = args.port or free_port(args.host)
        with serving(bridge, database, args.host, port, workdir, args.start_timeout) as url:
            returncode, output = run_suite(venv, source, url, args.keyword, args.pytest_args,
                                           args.suite_timeout)
    except SetupError as error:
        log(f"setup failed: {error}")
        return 2
    finally:
        if args.keep_tmp:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    counts = summary_counts(output)
    failed = counts["failed"] + counts["errors"]
    log("summary: " + ", ".join(f"{value} {key}" for key, value in counts.items())
        + f" (pytest exit {returncode})")
    problems = shortfalls(counts, returncode, args.min_passed)
    if failed > args.max_failed:
        problems.append(f"{failed} failed/errors > {args.max_failed}")
    return verdict(problems, log)


def shortfalls(counts: dict[str, int], returncode: int, min_passed: int) -> list[str]:
    """What every peer suite must reach: enough passed, and pytest itself intact."""
    problems = []
    if counts["passed"] < min_passed:
        problems.append(f"{counts['passed']} passed < {min_passed}")
    if returncode not in (0, 1):  # 1 = some tests failed; anything else: pytest itself broke
        problems.append(f"pytest exited {returncode}")
    return problems


def verdict(problems: list[str], report: Callable[[str], None]) -> int:
    """Exit code 0 (and OK) without problems, else 1 and the problems."""
    if problems:
        report("FAIL: " + "; ".join(problems))
        return 1
    report("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
