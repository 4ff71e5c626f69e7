"""Text files an operator writes or a Windows tool saves: UTF-8, perhaps with a byte-order
mark; what is wrong with one is said with the file's name and the place."""

import ast
import codecs
import configparser
from pathlib import Path

BOM = codecs.BOM_UTF8
"""What Windows tools write before UTF-8 text; skipped."""


def not_utf8(path: Path) -> str | None:
    """Where ``path`` is not UTF-8 ("not UTF-8 at byte 26 (0xfc)", counting from 1), if it
    is not."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as stream:
        while True:
            chunk = stream.read(1 << 20)
            start = offset - len(decoder.getstate()[0])  # (bytes held from the last chunk)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                byte = error.object[error.start]
                return f"not UTF-8 at byte {start + error.start + 1} (0x{byte:02x})"
            if not chunk:
                return None
            offset += len(chunk)


def read_ini(path: Path, parser: configparser.RawConfigParser, error: type[Exception],
             what: str) -> None:
    """Read the INI file ``path`` (``what`` it is, for messages) into ``parser``; anything
    wrong raises ``error`` naming the file, and the line where there is one."""
    try:
        data = path.read_bytes()
    except OSError as failure:
        raise error(f"cannot read {what} {path}: {failure.strerror}") from failure
    try:
        text = data.removeprefix(BOM).decode("utf-8")
    except UnicodeDecodeError as failure:
        raise error(f"{path}: {not_utf8(path)}") from failure
    try:
        parser.read_string(text, str(path))
    except configparser.MissingSectionHeaderError as failure:
        raise error(f"{path}, line {failure.lineno}: {failure.line.strip()!r}: the file must "
                    "start with a [section] header") from failure
    except configparser.ParsingError as failure:
        lineno, line = failure.errors[0]  # (the line as repr() gives it)
        raise error(f"{path}, line {lineno}: cannot read {ast.literal_eval(line).strip()!r} "
                    "(a setting is 'name = value', a section '[name]')") from failure
    except configparser.Error as failure:
        raise error(f"{path}: {failure.message.splitlines()[0]}") from failure
