"""Standard output a reader may close (``bridge … | head``): what is written after the reader
went away is dropped, and the command goes on. A command's work never depends on its output
being read: a change is committed whether or not anyone reads that it was."""

import io
import os
import sys
from collections.abc import Callable
from typing import TextIO


class ReaderMayLeave(io.TextIOBase):
    """A text stream over ``stream`` that stops writing, quietly, once its reader is gone."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.gone = False

    # (click writes to a text stream as it is only if its encoding and errors are known)
    @property
    def encoding(self) -> str:  # type: ignore[override]  # (TextIOBase's is an attribute)
        return self._stream.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]  # (as encoding)
        return self._stream.errors

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not self.gone:
            self._guarded(lambda: self._stream.write(text))
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            self._guarded(self._stream.flush)

    def _guarded(self, work: Callable[[], object]) -> None:
        try:
            work()
        except BrokenPipeError:
            self.gone = True
            # What is still buffered would fail again as Python exits: send it nowhere.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)


def install() -> None:
    """Make this process's standard output one a reader may close."""
    if not isinstance(sys.stdout, ReaderMayLeave) and sys.stdout is not None:
        sys.stdout = ReaderMayLeave(sys.stdout)
