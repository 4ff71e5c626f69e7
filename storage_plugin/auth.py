"""Radicale auth plugin: HQ employees with their passwords (``[auth] type = storage_plugin.auth``),
checked by ``bridge.hq.authentication`` — failed checks throttled per login and address, with
the counts in the database."""

from datetime import UTC, datetime
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

    def _login_ext(self, login: str, password: str, context: auth.AuthContext) -> str:
        verdict = self._authenticator.check(login, password, context.remote_addr or "",
                                            datetime.now(UTC))
        request_notes().locked_until = verdict.locked_until
        return login if verdict.accepted else ""

    def login(self, login: str, password: str, context: auth.AuthContext
              ) -> tuple[str, str, set[str]]:
        """Radicale's login (with its cache); the request's notes learn who signed in."""
        user, method, groups = super().login(login, password, context)
        request_notes().user = user
        return user, method, groups
