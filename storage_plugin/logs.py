"""The server's log: Radicale's, at the configured ``[logging] level``, and the bridge's own
loggers (``bridge.*``: how a TZID was resolved, long write transactions) at the same level.

Radicale's remarks on setting its log up ("Logging level set to: 'INFO'", "Logging of
backtrace is disabled…", said at each start and in each worker) are left out. A write the
storage refused as a rule refuses it (an item outside the synchronization window, a
read-only collection: ``storage_plugin.radicale_compat.forbidden_write``) is normal, not a failure:
Radicale logs it as an ERROR ``… [Errno 13] Permission denied: …``; it is logged as INFO,
``Refused PUT request on '…': why``. With ``[storage] access_log = True``, the access log
(``bridge.access``, ``storage_plugin.monitoring``) is written at INFO whatever the level."""

import logging
import re

from radicale import config as radicale_config
from radicale import log

from storage_plugin.options import flag

SET_UP_REMARKS = ("Logging level set to", "Logging of backtrace is disabled")
REFUSED = re.compile(r"^Failed (\w+) request on (.*?)(?: \([^)]*\))?: \[Errno 13\] "
                     r"Permission denied: ", re.DOTALL)


class _Remarks(logging.Filter):
    """Radicale's records as this server logs them (see the module's docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith(SET_UP_REMARKS):
            return False
        if record.levelno >= logging.ERROR and "[Errno 13]" in str(record.msg) + str(
                record.args):
            message = record.getMessage()
            refused = REFUSED.match(message)
            if refused is not None:
                record.msg = f"Refused {refused.group(1)} request on {refused.group(2)}: " + \
                    message[refused.end():]
                record.args = None
                record.levelno, record.levelname = logging.INFO, "INFO"
                record.exc_info = record.exc_text = None
                return log.logger.isEnabledFor(logging.INFO)
        return True


_remarks = _Remarks()


def start_logging(loaded: radicale_config.Configuration) -> None:
    """Set this process's logging up as ``loaded`` configures it."""
    log.logger.addFilter(_remarks)  # (once: a filter is added once)
    log.setup()
    log.set_level(loaded.get("logging", "level"), loaded.get("logging", "backtrace_on_debug"),
                  loaded.get("logging", "trace_filter"))
    logging.getLogger("bridge").setLevel(log.logger.level)
    if flag(loaded, "access_log", False):
        logging.getLogger("bridge.access").setLevel(logging.INFO)
