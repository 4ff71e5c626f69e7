"""Writing behind: one chunk's writes run in a thread of their own while the next chunk is
read and decided.

An import's chunk spends most of its time in two places that can overlap: the database
writing the previous chunk (keeping its indexes up to date), and Python validating and
deciding the next. The writer shares the import's session and connection, so the two must
never use them at the same time: whoever submits a write has finished with the session until
it next calls :meth:`WriteBehind.wait`.
"""

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType


class WriteBehind:
    """At most one write running at a time, behind the caller.

    :meth:`submit` first waits for the write before (writes stay in order); :meth:`wait`
    returns once none runs, raising the error a write ended with. Leaving the block always
    waits for the writer to stop first, so a failure is rolled back only once nothing writes.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="import writer")
        self._pending: Future[None] | None = None

    def submit(self, write: Callable[[], None]) -> None:
        self.wait()
        self._pending = self._pool.submit(write)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> "WriteBehind":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        try:
            if kind is None:
                self.wait()
        finally:
            self._pool.shutdown(wait=True)  # on an error, the write under way ends first
