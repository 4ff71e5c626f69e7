"""Radicale rights plugin: representatives, their managers, nobody else
(``[rights] type = storage_plugin.rights``)."""

from typing import Any

from radicale import rights

from bridge.calendars.access import Directory
from bridge.infra.db import shared_engine


class Rights(rights.BaseRights):
    def __init__(self, configuration: Any) -> None:
        super().__init__(configuration)
        url = configuration.get("storage", "database_url") or None
        self._directory = Directory(shared_engine(url))

    def authorization(self, user: str, user_groups: set[str], path: str) -> str:
        return self._directory.permissions(user, path)

    def refusal(self, user: str, path: str) -> str:
        """Why ``user`` was refused a change at ``path`` (see ``storage_plugin.wsgi``)."""
        return self._directory.refusal(user, path)
