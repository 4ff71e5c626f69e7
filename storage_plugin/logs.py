"""The server's log: Radicale's, at the configured ``[logging] level``, and the bridge's own
loggers (``bridge.*``: how a TZID was resolved, long write transactions) at the same level."""

import logging

from radicale import config as radicale_config
from radicale import log


def start_logging(loaded: radicale_config.Configuration) -> None:
    """Set this process's logging up as ``loaded`` configures it."""
    log.setup()
    log.set_level(loaded.get("logging", "level"), loaded.get("logging", "backtrace_on_debug"),
                  loaded.get("logging", "trace_filter"))
    logging.getLogger("bridge").setLevel(log.logger.level)
