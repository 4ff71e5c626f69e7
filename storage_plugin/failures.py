"""What the server logs of a request that failed, and what it tells the client.

Radicale logs a request that raised as the exception's text, its traceback (on the root
logger) and a CRITICAL "500" line; for a database error that text is SQLAlchemy's — the SQL
statement and, unless hidden (``make_engine`` hides them), its parameters: customer data in
the operator's log. Here instead:

- a write conflict the WSGI layer handles (run again, or answered 503) is not logged as a
  failure at all: that layer logs its own line;
- another error is logged as the request, what went wrong (for a database error: what the
  database said, without SQL) and an error id; its traceback only at debug level. The
  client's 500 answer carries the same id, so a user's report can be found in the log.

And vobject's ``[ERROR] 'UTC+01:00'``, logged for every TZID pytz does not know each time
Radicale reads an item, is dropped: the bridge resolves TZIDs itself (``bridge.ical.zones``)
and logs by which rule at debug level, or refuses the item saying why.
"""

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from radicale import types
from radicale.log import logger
from sqlalchemy.exc import SQLAlchemyError

from bridge.errors import database_said
from bridge.infra import conflicts
from storage_plugin import radicale_compat


@dataclass
class Failure:
    """The request being answered, and the id of its error, once it failed."""

    method: str
    path: str
    error_id: str | None = None


_current: ContextVar[Failure | None] = ContextVar("bridge_request_failure", default=None)


@contextmanager
def watching(environ: types.WSGIEnviron) -> Iterator[Failure]:
    """While Radicale answers the request: its failure, if any, is logged as above."""
    failure = Failure(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
    token = _current.set(failure)
    try:
        yield failure
    finally:
        _current.reset(token)


class _RequestFailures(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _is_zone_lookup(record):
            return False
        failure = _current.get()
        if failure is None:
            return True
        if radicale_compat.is_request_failure(record):
            if conflicts.seen_count():
                return False
            error = record.args[0] if isinstance(record.args, tuple) else None
            failure.error_id = secrets.token_hex(4)
            record.msg = "%s %s failed: %s (error id %s)"
            record.args = (failure.method, failure.path, _described(error), failure.error_id)
            return True
        if radicale_compat.is_failure_traceback(record):  # (the root logger's, after it)
            return not conflicts.seen_count() and logger.isEnabledFor(logging.DEBUG)
        # (not a 500 the WSGI layer answers 503, or runs again)
        return not (radicale_compat.is_status_line(record) and conflicts.seen_count())


def _is_zone_lookup(record: logging.LogRecord) -> bool:
    return record.name == "root" and record.funcName == "getTzid" and \
        record.module == "icalendar"


def _described(error: object) -> str:
    """An error in words; a database error in the database's words, without SQL."""
    if isinstance(error, SQLAlchemyError):
        return f"database error: {database_said(error)}"
    return f"{type(error).__name__}: {error}"


_FILTER = _RequestFailures()


def install() -> None:
    """Put the filter on Radicale's logger and on the root logger (once per process)."""
    for each in (logger, logging.getLogger()):
        if _FILTER not in each.filters:
            each.addFilter(_FILTER)
