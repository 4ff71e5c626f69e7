"""From an exchange file to chunks of validated records, reporting the malformed ones."""

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bridge.exchange.reader import RecordStream
from bridge.exchange.records import describe_errors, record_reference
from bridge.importing.report import Message, RunReport
from bridge.models import Level

R = TypeVar("R", bound=BaseModel)

CHUNK_SIZE = 1000


def validated(
    stream: RecordStream, model: type[R], report: RunReport, reference_keys: tuple[str, ...]
) -> Iterator[R]:
    """Each well-formed record; each malformed one is reported (naming its fields) and skipped."""
    for index, raw in stream:
        report.counts["read"] += 1
        try:
            yield model.model_validate(raw)
        except ValidationError as error:
            report.counts["skipped"] += 1
            reference = record_reference(raw, reference_keys, index)
            problems = describe_errors(error)
            for field, text in problems:
                report.add(Message(Level.ERROR, f"rejected: {text}", reference, field))
            report.outcome(reference, "skipped", "; ".join(
                f"{field}: {text}" if field else text for field, text in problems))


def unique_chunks(
    records: Iterable[R], key: Callable[[R], Hashable], size: int = CHUNK_SIZE
) -> Iterator[list[R]]:
    """Chunks of at most ``size`` records in which no key repeats.

    A record whose key is already in the current chunk starts the next one, so a later record
    of the same key sees (and updates) what the earlier one wrote.
    """
    chunk: list[R] = []
    keys: set[Hashable] = set()
    for record in records:
        if len(chunk) >= size or key(record) in keys:
            yield chunk
            chunk, keys = [], set()
        chunk.append(record)
        keys.add(key(record))
    if chunk:
        yield chunk
