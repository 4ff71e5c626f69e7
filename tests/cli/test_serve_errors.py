"""`bridge serve` refuses an operator's ordinary mistakes with one line that says what is
wrong and where — never "unexpected …"."""

import os
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import BRIDGE, Bridge
from tests.storage_plugin.conftest import free_port

INI_MISTAKES = [
    ("[server\nhosts = 127.0.0.1:5232\n",
     "line 1: '[server': the file must start with a [section] header"),
    ("[server]\nhosts = 127.0.0.1:5232\n= 5\n",
     "line 3: cannot read '= 5' (a setting is 'name = value', a section '[name]')"),
    ("[nosuch]\na = 1\n", "Invalid section 'nosuch'"),
    ("[server]\nfoo = 1\n", "Invalid option 'foo' in section 'server'"),
    ("[server]\nmax_connections = many\n", "option 'max_connections' in section 'server'"),
    ("[server]\nhosts = 127.0.0.1:0\n", "option 'hosts' in section 'server'"),
]


@pytest.mark.parametrize("text, said", INI_MISTAKES)
def test_a_mistake_in_the_configuration_file_is_named_with_its_place(
        bridge: Bridge, tmp_path: Path, text: str, said: str) -> None:
    config = tmp_path / "radicale.ini"
    config.write_text(text, encoding="utf-8")
    result = bridge("serve", "--config", config)
    assert result.exit_code == 1
    assert str(config) in result.output and said in result.output
    assert "unexpected" not in result.output and "Traceback" not in result.output


def test_a_configuration_file_not_in_utf8_is_named(bridge: Bridge, tmp_path: Path) -> None:
    config = tmp_path / "radicale.ini"
    config.write_bytes("[server]\n# Zürich\n".encode("latin-1"))
    result = bridge("serve", "--config", config)
    assert result.exit_code == 1
    assert f"{config}: not UTF-8 at byte 13 (0xfc)" in result.output


def test_a_port_in_use_is_said_so_with_what_to_do(bridge: Bridge) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = bridge("serve", "--port", str(port))
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in result.output
    assert "choose another port (--port)" in result.output
    assert "Serving" not in result.output  # (it did not claim to serve first)
    # Nor did it name this process's database sessions as the server's (the fault tests
    # kill the server's sessions by that name).
    assert os.environ.get("PGAPPNAME") != "bridge serve"


def test_port_0_is_refused_as_the_help_says(bridge: Bridge) -> None:
    result = bridge("serve", "--port", "0")
    assert result.exit_code == 2
    assert "0 is not in the range 1<=x<=65535" in result.output


def test_a_postgresql_server_allowing_too_few_connections_is_said_so_as_it_starts(
        database_url: str, tmp_path: Path) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("the connection limits are PostgreSQL's")
    config = tmp_path / "radicale.ini"
    config.write_text("[server]\nmax_connections = 5000\n", encoding="utf-8")
    process = subprocess.Popen(
        [BRIDGE, "--database", database_url, "serve", "--port", str(free_port()),
         "--config", config], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stopper = threading.Timer(90, process.kill)  # (a server that never says it: fails)
    stopper.start()
    try:
        said = next((line for line in process.stderr if line.startswith("Warning:")), "")
    finally:
        stopper.cancel()
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()
    assert "1 server process × 5000 threads may hold 5000" in said, said  # (over 4 997)
    assert "Raise max_connections to at least" in said and "answered 503" in said
