"""The documentation stays alive: its relative links resolve, the README points nowhere outside
the repository and its commands hold no date that ages, every command and option they show
exists, and the configuration reference is what the code's settings make of it
(docs/tools/config_reference.py)."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from bridge.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").rglob("*.md"))
PAGES = [README, *DOCS]
FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.M | re.S)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
DATE = re.compile(r"\b20\d\d-[01]\d-[0-3]\d\b")
DATED_OPTION = re.compile(r"--[a-z-]+[ =]\"?20\d\d-[01]\d-[0-3]\d")


def _prose(text: str) -> str:
    """The page without its fenced code blocks (their `#` lines are no headings, their
    brackets no links)."""
    return FENCE.sub("", text)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*|_(?=\W)|(?<=\W)_", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    for match in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", _prose(page.read_text()), re.M):
        base = slug(match.group(1))
        name, n = base, 0
        while name in found:
            n += 1
            name = f"{base}-{n}"
        found.add(name)
    return found


def links(page: Path) -> list[str]:
    return [target for target in LINK.findall(_prose(page.read_text()))
            if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


def test_slug_is_githubs() -> None:
    assert slug("Sign-in directory (LDAP, Active Directory)") == \
        "sign-in-directory-ldap-active-directory"
    assert slug("Free/busy") == "freebusy"
    assert slug("Without an add-in: a calendar subscription") == \
        "without-an-add-in-a-calendar-subscription"
    assert slug("[server]") == "server"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target}: no file {resolved}")
            continue
        if not resolved.is_relative_to(ROOT):
            broken.append(f"{target}: outside the repository")
            continue
        if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading #{anchor} in {resolved.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_docs_are_reachable_from_the_readme() -> None:
    """Every page under docs/ is linked from the README or from a page linked from it."""
    seen, todo = set(), [README]
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.add(page)
        for target in links(page):
            path = target.partition("#")[0]
            if path.endswith(".md"):
                todo.append((page.parent / path).resolve())
    assert not [str(p.relative_to(ROOT)) for p in DOCS if p.resolve() not in seen]


def test_readme_points_nowhere_outside_the_repository() -> None:
    text = README.read_text()
    assert "../" not in text
    assert "SPEC.md" not in text


def test_readme_is_short() -> None:
    assert len(README.read_text().splitlines()) < 250


def test_readme_commands_hold_no_date_that_ages() -> None:
    """An example run next year must do what it does today: days come from `date`."""
    text = README.read_text()
    code = "\n".join(m.group(0) for m in FENCE.finditer(text))
    code += "\n" + "\n".join(re.findall(r"`([^`\n]+)`", _prose(text)))
    assert not DATE.findall(code)


@pytest.mark.parametrize("page", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_commands_give_no_fixed_date_to_an_option(page: Path) -> None:
    """`bridge … --start 2026-12-02…` ages; file names and sample output may hold a date."""
    text = page.read_text()
    dated = [line.strip() for block in FENCE.finditer(text) for line in block.group(0).splitlines()
             if line.lstrip().startswith(("bridge ", "curl ")) and DATED_OPTION.search(line)]
    assert not dated


def test_configuration_reference_is_generated_from_the_code() -> None:
    path = ROOT / "docs" / "tools" / "config_reference.py"
    spec = importlib.util.spec_from_file_location("config_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("config_reference", module)
    spec.loader.exec_module(module)
    committed = (ROOT / "docs" / "operators" / "configuration.md").read_text()
    assert "(not described" not in committed, (
        "a setting our plugins read has no comment in config/radicale.ini.example")
    assert module.render() == committed, (
        "docs/operators/configuration.md is out of date: run "
        "`python docs/tools/config_reference.py --write`")


ENVIRONMENT = re.compile(r"\bBRIDGE_[A-Z_]+\b")


def test_every_environment_variable_the_commands_read_is_in_the_operators_table() -> None:
    read = {name for package in ("bridge", "storage_plugin")
            for source in (ROOT / package).rglob("*.py")
            for name in ENVIRONMENT.findall(source.read_text())}
    example = set(ENVIRONMENT.findall((ROOT / "config" / "bridge.env.example").read_text()))
    table = set(ENVIRONMENT.findall(
        (ROOT / "docs" / "operators" / "README.md").read_text().split("## Environment")[1]))
    assert read, "no environment variable found in the code: the pattern is wrong"
    assert read == table, "docs/operators/README.md's table is not what the code reads"
    assert read == example, "config/bridge.env.example is not what the code reads"


def _documented_commands() -> list[tuple[Path, list[str]]]:
    """Each ``bridge …`` command line of the README's and docs' code blocks, as its words
    (continuation lines joined, comments and anything after a pipe or ``;``/``&&`` dropped)."""
    found = []
    for page in PAGES:
        for block in FENCE.finditer(page.read_text()):
            text = block.group(0).split("\n", 1)[1].rsplit("\n", 1)[0].replace("\\\n", " ")
            for written in text.splitlines():
                line = written.strip().removeprefix("$ ")
                if not line.startswith("bridge "):
                    continue
                words = shlex.split(re.split(r"\s(?:\||;|&&)\s", line)[0], comments=True)
                found.append((page, words))
    return found


def _resolved(words: list[str]) -> tuple[list[click.Command], list[str]]:
    """The command chain ``words`` name (``bridge``, its group, the command) and the words
    left (options and arguments)."""
    command: click.Command = cli
    chain = [command]
    rest = words[1:]
    while isinstance(command, click.Group):
        index = next((i for i, word in enumerate(rest) if not word.startswith("-")
                      and not (i and _takes_value(chain, rest[i - 1]))), None)
        if index is None:
            break
        found = command.get_command(click.Context(command), rest[index])
        assert found is not None, f"no command {' '.join(words[:index + 2])!r}"
        command = found
        chain.append(command)
        rest = rest[:index] + rest[index + 1:]
    return chain, rest


def _takes_value(chain: list[click.Command], word: str) -> bool:
    name = word.split("=", 1)[0]
    return "=" not in word and any(
        name in option.opts + option.secondary_opts and not option.is_flag
        for command in chain for option in command.params if isinstance(option, click.Option))


def test_every_documented_command_exists_with_its_options() -> None:
    """A command or option renamed in the code cannot stay in the docs (the README's demo
    commands are also run: below)."""
    commands = _documented_commands()
    assert len(commands) > 30
    wrong = []
    for page, words in commands:
        try:
            chain, rest = _resolved(words)
        except AssertionError as error:
            wrong.append(f"{page.relative_to(ROOT)}: {error}")
            continue
        known = {opt for command in chain for param in command.params
                 for opt in param.opts + param.secondary_opts} | {"--help"}
        options = [word for i, word in enumerate(rest) if word.startswith("-") and len(word) > 1
                   and not (i and _takes_value(chain, rest[i - 1]))]
        wrong += [f"{page.relative_to(ROOT)}: {' '.join(words)}: no option {word!r}"
                  for word in options if word.split("=", 1)[0] not in known]
    assert not wrong, "\n".join(wrong)


def _readme_demo_commands() -> list[str]:
    """The commands of the README's five minutes with the demo, continuation lines joined."""
    block = next(m.group(0) for m in FENCE.finditer(README.read_text())
                 if "bridge runs list" in m.group(0))
    commands: list[str] = []
    pending = ""
    for line in block.splitlines()[1:-1]:
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        commands.append(pending)
        pending = ""
    return commands


def test_readme_demo_commands_run_as_written(tmp_path: Path) -> None:
    """Each command of the README's demo works on today's demo data (one said to be refused
    is refused), whatever day it is: what it adds is Planned, not Delayed."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "BRIDGE_DATABASE_URL": "sqlite:///bridge.db"}
    env.pop("BRIDGE_DATABASES", None)
    env.pop("BRIDGE_DB", None)
    subprocess.run([str(bin_dir / "bridge"), "demo"], cwd=tmp_path, env=env, check=True,
                   capture_output=True)
    commands = _readme_demo_commands()
    assert len(commands) > 10
    failed = []
    for command in commands:
        result = subprocess.run(["bash", "-c", command], check=False, cwd=tmp_path, env=env,
                                capture_output=True, text=True)
        refused = "# refused" in command
        if (result.returncode != 0) != refused:
            failed.append(f"{command}: exit {result.returncode}: {result.stderr.strip()[-300:]}")
        elif "activities add" in command and "(Planned)" not in result.stdout:
            failed.append(f"{command}: not Planned: {result.stdout.strip()}")
    assert not failed
