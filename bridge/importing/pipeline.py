"""Writing behind: one chunk's writes run in a thread of their own while the next chunk is
read and decided.

An import's chunk spends most of its time in two places that can overlap: the database
writing the previous chunk (keeping its indexes up to date), and Python validating and
deciding the next. The writer shares the import's session and connection, so the two must
never use them at the same time: whoever submits a write has finished with the session until
it next calls :meth:`WriteBehind.wait`.

The writer waits for the database many times per chunk, and after each wait for Python's
interpreter lock, which a busy thread yields every 5 ms by default: while a writer runs, the
threads switch ten times as often (100 000 appointments into a million: 25.5 s instead of
28–29 s; a switch every 0.1 ms or every 1 ms gained less).
"""

import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType


class WriteBehind:
    """At most one write running at a time, behind the caller.

    :meth:`submit` first waits for the write before (writes stay in order); :meth:`wait`
    returns once none runs, raising the error a write ended with. Leaving the block always
    waits for the writer to stop first, so a failure is rolled back only once nothing writes.
    """

    SWITCH_INTERVAL = 0.0005
    """Seconds a thread holds the interpreter lock while another waits for it."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="import writer")
        self._pending: Future[None] | None = None
        self._switch_interval = sys.getswitchinterval()

    def submit(self, write: Callable[[], None]) -> None:
        self.wait()
        self._pending = self._pool.submit(write)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> "WriteBehind":
        sys.setswitchinterval(self.SWITCH_INTERVAL)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        try:
            if kind is None:
                self.wait()
        finally:
            self._pool.shutdown(wait=True)  # on an error, the write under way ends first
            sys.setswitchinterval(self._switch_interval)
