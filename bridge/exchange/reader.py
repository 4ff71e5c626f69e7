"""Stream the records of an exchange file without loading it whole."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import ijson

from bridge.errors import InvalidInput
from bridge.infra.files import BOM, not_utf8

FORMATS = {
    "bus-customers/1": "customers",
    "bus-appointments/1": "appointments",
    "hq-employees/1": "employees",
}


_RECORD_KEYS = frozenset(FORMATS.values())


NOTHING = "nothing of this file was imported"


def _first_line(error: Exception) -> str:
    message = error.args[0] if error.args else error
    if isinstance(message, bytes):  # (yajl's messages quote the input)
        message = message.decode("utf-8", "replace")
    return str(message).strip().splitlines()[0].rstrip(".")


def _not_json(path: Path, error: Exception, what: str) -> InvalidInput:
    """The error of a file the JSON parser refused: not UTF-8 (where), or what it found."""
    wrong = not_utf8(path)
    if wrong is not None:
        return InvalidInput(f"{path}: {wrong}: an exchange file is JSON in UTF-8 (save it as "
                            f"UTF-8); {NOTHING}")
    return InvalidInput(f"{path}: {what}: {_first_line(error)}; {NOTHING}")


@dataclass(frozen=True)
class Header:
    path: Path
    format: str
    exported_at: datetime | None

    @property
    def records_key(self) -> str:
        return FORMATS[self.format]


def _open(path: Path) -> IO[bytes]:
    """``path`` opened to be parsed: past a byte-order mark; an empty file is refused."""
    try:
        stream = path.open("rb")
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read the file: {error.strerror}") from error
    start = stream.read(len(BOM))
    if not start:
        stream.close()
        raise InvalidInput(f"{path}: the file is empty (an exchange file is a JSON object)")
    stream.seek(len(BOM) if start == BOM else 0)
    return stream


def read_header(path: Path, expect: str | None = None) -> Header:
    """The file's ``format`` and ``exported_at``, read from the top-level object only.

    ``expect`` names the records the caller reads (``appointments``…); another kind of file
    is refused.
    """
    found: dict[str, Any] = {}
    with _open(path) as stream:
        try:
            events = ijson.parse(stream)
            first = next(events, None)
            if first is None or first[1] != "start_map":
                raise InvalidInput(f"{path}: not an exchange file (a JSON object is expected)")
            for prefix, event, value in events:
                if prefix in ("format", "exported_at") and event in ("string", "null"):
                    found[prefix] = value
                # The records come next: what follows them is not read twice.
                records_start = prefix in _RECORD_KEYS and event == "start_array"
                if len(found) == 2 or (records_start and "format" in found):
                    break
        except ijson.JSONError as error:
            raise _not_json(path, error, "not valid JSON") from error
    fmt = found.get("format")
    if fmt not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise InvalidInput(f"{path}: field 'format' is {fmt!r}; expected one of {known}")
    header = Header(path, fmt, _parse_exported_at(path, found.get("exported_at")))
    if expect is not None and header.records_key != expect:
        raise InvalidInput(
            f"{path}: is a {fmt} file, this import reads {expect}"
        )
    return header


def _parse_exported_at(path: Path, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput(f"{path}: field 'exported_at': {value!r} is not ISO 8601") from error
    if parsed.tzinfo is None:
        raise InvalidInput(f"{path}: field 'exported_at': {value!r} has no UTC offset")
    return parsed


class RecordStream:
    """Iterates ``(index, raw record)`` of one exchange file; ``position`` is bytes read."""

    def __init__(self, header: Header) -> None:
        self.header = header
        self.size = header.path.stat().st_size
        self._stream: IO[bytes] | None = None
        self._read = 0

    @property
    def position(self) -> int:
        """Bytes read so far (all of them, once the last record was read)."""
        return self._stream.tell() if self._stream else self._read

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        path = self.header.path
        with _open(path) as stream:
            self._stream = stream
            items = ijson.items(stream, f"{self.header.records_key}.item", use_float=True)
            try:
                yield from enumerate(items)
            except ijson.JSONError as error:
                raise _not_json(path, error, f"broken JSON after {stream.tell()} bytes") \
                    from error
            finally:
                self._read = stream.tell()
                self._stream = None
