"""Radicale auth plugin: HQ employees with their passwords (``[auth] type = storage_plugin.auth``)."""

from typing import Any

from radicale import auth

from bridge.hq.authentication import Authenticator
from bridge.infra.db import shared_engine
from storage_plugin.wsgi import request_notes


class Auth(auth.BaseAuth):
    def __init__(self, configuration: Any) -> None:
        super().__init__(configuration)
        url = configuration.get("storage", "database_url") or None
        self._authenticator = Authenticator(shared_engine(url))

    def _login(self, login: str, password: str) -> str:
        return login if self._authenticator.login(login, password) else ""

    def login(self, login: str, password: str, context: auth.AuthContext
              ) -> tuple[str, str, set[str]]:
        """Radicale's login (with its cache); the request's notes learn who signed in."""
        user, method, groups = super().login(login, password, context)
        request_notes().user = user
        return user, method, groups
