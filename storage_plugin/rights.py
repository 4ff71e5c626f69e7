"""Radicale rights plugin: representatives, their managers, nobody else
(``[rights] type = storage_plugin.rights``); a sign-in that reads only (a read-only device
password, ``storage_plugin.auth``) has every write letter taken away, and says why."""

from typing import Any

from radicale import rights

from bridge.calendars.access import Directory
from bridge.infra.db import shared_engine
from storage_plugin.notes import request_notes

WRITE_LETTERS = str.maketrans("", "", "wW")


class Rights(rights.BaseRights):
    def __init__(self, configuration: Any) -> None:
        super().__init__(configuration)
        url = configuration.get("storage", "database_url") or None
        self._directory = Directory(shared_engine(url))

    def authorization(self, user: str, user_groups: set[str], path: str) -> str:
        letters = self._directory.permissions(user, path)
        notes = request_notes()
        if notes.read_only_because is None:
            return letters
        read_only = letters.translate(WRITE_LETTERS)
        if read_only != letters:  # (a refused write says this, not the collection's reason)
            notes.forbidden = notes.read_only_because
        return read_only

    def refusal(self, user: str, path: str) -> str:
        """Why ``user`` was refused a change at ``path`` (see ``storage_plugin.wsgi``)."""
        return request_notes().read_only_because or self._directory.refusal(user, path)
