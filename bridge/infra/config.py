"""Where the headquarters database lives."""

import os

DATABASE_ENV = "BRIDGE_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///bridge.db"


def database_url(explicit: str | None = None) -> str:
    """The URL given on the command line, else ``BRIDGE_DATABASE_URL``, else ./bridge.db."""
    return explicit or os.environ.get(DATABASE_ENV) or DEFAULT_DATABASE_URL
