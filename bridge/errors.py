"""Errors any layer may raise, shown to a user as plain messages (HQ's own:
:mod:`bridge.hq.errors`).

The edges (the CLI, the cockpit, the Radicale plugins) turn them into exit codes and HTTP
statuses.
"""


class BridgeError(Exception):
    """Base class of every error a user should see as a plain message."""


class InvalidInput(BridgeError):
    """Input that breaks a rule: a bad value, a bad file, a bad option."""


class DatabaseNotReady(BridgeError):
    """The database is missing or its schema is not at the current revision."""


def database_said(error: Exception) -> str:
    """A database error in the database's words: the first line of the driver's message,
    without SQLAlchemy's SQL and parameters (an operator's log is no place for them)."""
    original = getattr(error, "orig", None) or error
    said = str(original).strip().splitlines()
    return said[0] if said else type(original).__name__
