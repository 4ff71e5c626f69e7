"""*BUS import data*: the collective job — customers first, then activities."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from bridge.errors import InvalidInput
from bridge.exchange.reader import read_header
from bridge.importing.activities import import_activities
from bridge.importing.customers import import_customers
from bridge.importing.job import ImportOptions
from bridge.importing.report import RunReport

Job = Callable[[Engine, Path, ImportOptions], RunReport]

ORDER: tuple[tuple[str, Job], ...] = (
    ("customers", import_customers),
    ("appointments", import_activities),
)


@dataclass(frozen=True)
class Step:
    path: Path
    job: Job


def plan(paths: Sequence[Path]) -> list[Step]:
    """The files in the order the collective job runs them, whatever order they were given in."""
    kinds = {path: read_header(path).records_key for path in paths}
    steps = [Step(path, job) for kind, job in ORDER for path in paths if kinds[path] == kind]
    others = [path for path in paths if kinds[path] not in dict(ORDER)]
    if others:
        raise InvalidInput(
            f"{others[0]}: holds {kinds[others[0]]}; only the mobile exports of customers "
            "and appointments are imported together"
        )
    return steps
