"""Render docs/operators/configuration.md from the code's own settings, so it cannot drift.

    python docs/tools/config_reference.py           # print it
    python docs/tools/config_reference.py --write   # write docs/operators/configuration.md

Where the settings come from:

- our plugins' options: every ``option``/``flag``/``seconds``/``count`` call with a literal
  name in ``storage_plugin/`` (``[storage]``), ``bridge.infra.directory.SETTINGS`` (``[auth]
  directory_*``), ``[auth] calendar_passwords`` (``bridge.hq.devices.CalendarPasswords``) and
  ``[server] workers``; their defaults from ``storage_plugin.server.defaults`` or the call's
  default argument, their help from the comment above them in ``config/radicale.ini.example``;
- Radicale's own settings: ``radicale.config.DEFAULT_CONFIG_SCHEMA`` (its help texts), with
  the defaults ``bridge serve`` lays over Radicale's.

``tests/test_docs.py`` regenerates the file and requires the committed one to be equal.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "docs" / "operators" / "configuration.md"
EXAMPLE = ROOT / "config" / "radicale.ini.example"
SECTIONS = ("server", "auth", "rights", "storage", "logging", "headers", "reporting")
"""Radicale's sections an operator of the bridge sets (the others: Radicale's defaults)."""
UNUSED = {("storage", "filesystem_folder"), ("storage", "filesystem_cache_folder"),
          ("storage", "use_cache_subfolder_for_item"),
          ("storage", "use_cache_subfolder_for_history"),
          ("storage", "use_cache_subfolder_for_synctoken"),
          ("storage", "use_mtime_and_size_for_item_cache"), ("storage", "folder_umask"),
          ("storage", "max_sync_token_age"), ("storage", "skip_broken_item"),
          ("storage", "hook"), ("storage", "predefined_collections")}
"""Radicale's file-storage settings: the bridge's storage keeps everything in the database."""
OTHER_PLUGINS = {"auth": ("htpasswd_", "dovecot_", "ldap_", "imap_", "oauth2_", "pam_"),
                 "rights": ("file",)}
"""Settings of Radicale's other authentication and rights plugins: the bridge's own are used
(its sign-in directory is ``[auth] directory_*``, not Radicale's ``ldap_*``)."""
SET_BY_THE_SERVER = {("storage", "sync_token_namespace"): (
    "set by `bridge serve` itself for each database of a catalog (its name, which sync tokens "
    "carry); not to be set in the file")}
"""Options our plugins read that the server sets, not the operator."""


def _ours_in_storage() -> dict[str, str | None]:
    """``[storage]`` options our plugins read: name → the default their call gives."""
    found: dict[str, str | None] = {}
    for path in sorted((ROOT / "storage_plugin").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("option", "flag", "seconds", "count")
                    and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)
                    and isinstance(node.args[1].value, str)):
                continue
            default = None
            if len(node.args) >= 3:  # a literal, or a constant of the module
                namespace = vars(importlib.import_module(f"storage_plugin.{path.stem}"))
                default = f"{eval(ast.unparse(node.args[2]), dict(namespace)):g}" \
                    if not isinstance(node.args[2], ast.Constant) \
                    or not isinstance(node.args[2].value, bool) \
                    else str(node.args[2].value)
            if found.get(node.args[1].value) is None:
                found[node.args[1].value] = default
    return found


def _example_help() -> dict[tuple[str, str], str]:
    """The comment lines right above each ``name =`` (or ``#name =``) of the example file."""
    helps: dict[tuple[str, str], str] = {}
    section, current = "", ""
    comment: list[str] = []
    for raw in EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section, comment, current = line[1:-1], [], ""
            continue
        setting = line.lstrip("#").strip()
        name = setting.split("=", 1)[0].strip()
        if "=" in setting and name.replace("_", "").isalnum() and " " not in name:
            if comment:  # settings right after one another share its comment
                current, comment = " ".join(comment), []
            if current:
                helps.setdefault((section, name), current)
            continue
        if line.startswith("#") and not line.startswith("# ---"):
            comment.append(line.lstrip("#").strip())
        elif not line:
            comment, current = [], ""
    return {key: " ".join(text.split()) for key, text in helps.items()}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def render() -> str:
    from radicale import config as radicale_config

    from bridge.hq.devices import CalendarPasswords
    from bridge.infra import directory
    from storage_plugin import server

    ours_defaults = server.defaults("sqlite:///bridge.db", server.DEFAULT_HOST,
                                    server.DEFAULT_PORT)
    helps = _example_help()
    schema = radicale_config.DEFAULT_CONFIG_SCHEMA

    ours: dict[tuple[str, str], str | None] = {}
    for name, default in _ours_in_storage().items():
        if name not in schema["storage"]:
            ours[("storage", name)] = ours_defaults["storage"].get(name, default)
    ours[("auth", "calendar_passwords")] = CalendarPasswords.ANY.value
    for name in sorted(directory.SETTINGS):
        ours[("auth", directory.PREFIX + name)] = None
    ours[("auth", f"{directory.PREFIX}timeout")] = f"{directory.DEFAULT_TIMEOUT:g}"
    ours[("auth", f"{directory.PREFIX}remember")] = f"{directory.DEFAULT_REMEMBER:g}"
    ours[("server", "workers")] = "1"

    out = [
        "# Configuration reference",
        "",
        "<!-- Generated by `python docs/tools/config_reference.py --write` from the code's own",
        "settings; tests/test_docs.py fails when this file and the code differ. Do not edit. -->",
        "",
        "`bridge serve --config FILE` reads an INI file: Radicale's sections, with the bridge's",
        "plugins and defaults under them. Every section of the file is laid over the defaults",
        "below; an unknown section or setting stops the server at start, naming it.",
        "`config/radicale.ini.example` is a commented example. Environment variables and",
        "command-line options: [README.md](README.md#environment-and-the-most-used-settings).",
        "",
        "## The bridge's own settings",
        "",
        "Read by the bridge's plugins (`storage_plugin/`); the help is the comment of the",
        "setting in `config/radicale.ini.example`.",
        "",
        "| section | setting | default | meaning |",
        "|---|---|---|---|",
    ]
    for (section, name), default in sorted(ours.items()):
        text = helps.get((section, name), "(not described in config/radicale.ini.example)")
        text = SET_BY_THE_SERVER.get((section, name), text)
        if name.startswith(directory.PREFIX):
            text = ("the sign-in directory (LDAP, Active Directory): see "
                    "[directory.md](directory.md)")
        shown = "" if default in (None, "") else f"`{_cell(default)}`"
        out.append(f"| `[{section}]` | `{name}` | {shown} | {_cell(text)} |")
    out += [
        "",
        "## Radicale's settings",
        "",
        "Radicale's own settings in the sections an operator of the bridge sets, with",
        "Radicale's help text; *default* is what `bridge serve` uses (the bridge's default where",
        "it sets one, marked *bridge*). Left out: Radicale's file-storage settings (the bridge",
        "keeps everything in the HQ database) and those of Radicale's other authentication and",
        "rights plugins (htpasswd, LDAP, IMAP, PAM, OAuth2, rights file: the bridge's plugins are",
        "used; its own directory is `[auth] directory_*`). Keep `type` of `[auth]`, `[rights]`",
        "and `[storage]` as they are. Other sections keep Radicale's defaults.",
    ]
    for section in SECTIONS:
        out += ["", f"### [{section}]", "", "| setting | default | meaning |", "|---|---|---|"]
        for name, spec in schema[section].items():
            if name.startswith("_") or (section, name) in UNUSED or (section, name) in ours \
                    or name.startswith(OTHER_PLUGINS.get(section, ())):
                continue
            ours_value = ours_defaults.get(section, {}).get(name)
            if ours_value is not None:
                shown = f"`{_cell(ours_value)}` (bridge)"
            else:
                value = spec.get("value", "")
                shown = f"`{_cell(value)}`" if str(value) != "" else ""
            out.append(f"| `{name}` | {shown} | {_cell(spec.get('help', ''))} |")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--write" in argv:
        OUTPUT.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
