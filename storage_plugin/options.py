"""Our options in Radicale's ``[storage]`` section (Radicale keeps a plugin's options as
strings; a configuration of Radicale's own, as in its request tests, has none of them)."""

from typing import Any


def option(configuration: Any, name: str) -> Any:
    """The option, None when the configuration does not name it."""
    try:
        return configuration.get("storage", name)
    except KeyError:
        return None


def flag(configuration: Any, name: str, default: bool) -> bool:
    value = option(configuration, name)
    if value is None:
        return default
    return str(value).strip().lower() not in ("0", "false", "no", "off")


def seconds(configuration: Any, name: str, default: float) -> float:
    """A number of seconds (or a factor: 0 or more); ValueError saying which setting, if it
    is none."""
    value = option(configuration, name)
    if value is None or str(value).strip() == "":
        return default
    try:
        number = float(str(value).strip())
    except ValueError:
        number = -1.0
    if not number >= 0 or number == float("inf"):
        raise ValueError(f"[storage] {name} must be a number (0 or more), not {value!r}")
    return number


def count(configuration: Any, name: str, default: int) -> int:
    """A whole number (1 or more); ValueError saying which setting, if it is none."""
    value = option(configuration, name)
    if value is None or str(value).strip() == "":
        return default
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and int(text) >= 1):
        raise ValueError(f"[storage] {name} must be a whole number (1 or more), not {value!r}")
    return int(text)
