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
