"""The directory that checks passwords (``bridge.infra.directory``), from the ``[auth]``
section's ``directory_*`` settings — per database: a catalog's ``[database NAME]`` section
may give its own (``storage_plugin.databases`` lays them over ``[auth]``)."""

import functools
from typing import Any

from bridge.infra.directory import PREFIX, Directory, Settings, settings_from

DIRECTORY_UNAVAILABLE = ("The sign-in directory cannot be reached; your password was not "
                         "checked. Please try again later.\n")
RETRY_AFTER_SECONDS = 30


def directory_options(configuration: Any) -> dict[str, str]:
    """The ``[auth] directory_*`` settings of a Radicale configuration."""
    return {name: str(configuration.get("auth", name))
            for name in configuration.options("auth") if name.startswith(PREFIX)}


def directory_of(configuration: Any) -> Directory | None:
    """The directory of ``configuration`` (None: passwords are the HQ database's);
    ``DirectorySettingError`` naming a setting that cannot be used."""
    settings = settings_from(directory_options(configuration))
    return None if settings is None else _directory(settings)


@functools.cache
def _directory(settings: Settings) -> Directory:
    """One directory per settings (the calendar server's sign-ins and the cockpit's)."""
    return Directory(settings)
