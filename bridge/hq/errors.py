"""HQ's errors: what a rule of the domain refuses, as the user should read it."""

from bridge.errors import BridgeError


class NotFound(BridgeError):
    """A named object (employee, activity, run, …) does not exist."""


class ReadOnly(BridgeError):
    """The object may not be changed here (mobile-origin activities)."""


class DefinitionInactive(BridgeError):
    """The activity definition needed for an import is not activated."""
