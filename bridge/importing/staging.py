"""An uploaded export file, staged: run as a dry run first, its preview kept (counts,
messages and every record's outcome), then imported when confirmed, or discarded.

Each upload has a folder of its own under the staging root, named by an unguessable token
and readable only by whoever uploaded it. Folders older than :data:`KEPT_FOR` are removed.
"""

import json
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine

from bridge.errors import InvalidInput
from bridge.hq.errors import NotFound
from bridge.importing.report import COUNTS, Outcome, RunReport

KEPT_FOR = 24 * 3600


@dataclass(frozen=True)
class Preview:
    token: str
    owner: str
    filename: str
    job: str
    counts: dict[str, int]
    messages: list[str]
    records: int


class Staging:
    def __init__(self, root: Path) -> None:
        self.root = root

    def stage(self, upload: IO[bytes], filename: str, owner: str) -> str:
        """Keep the uploaded file; its token."""
        self._sweep()
        token = secrets.token_urlsafe(18)
        folder = self.root / token
        folder.mkdir(parents=True, mode=0o700)
        with (folder / _safe(filename)).open("wb") as out:
            shutil.copyfileobj(upload, out, 1 << 20)
        (folder / "owner.json").write_text(json.dumps({"owner": owner, "filename": filename}))
        return token

    def dry_run(self, engine: Engine, token: str, owner: str, now: datetime) -> Preview:
        """Run the staged file as a dry run and keep what it would do."""
        folder, filename = self._folder(token, owner)
        outcomes: list[Outcome] = []
        report = _run(engine, folder / _safe(filename), now=now, started_by=owner,
                      dry_run=True, outcomes=outcomes)
        preview = Preview(token, owner, filename, report.job,
                          {name: report.counts[name] for name in COUNTS},
                          [str(message) for message in report.sample], len(outcomes))
        with (folder / "outcomes.jsonl").open("w", encoding="utf-8") as out:
            for outcome in outcomes:
                out.write(json.dumps(asdict(outcome), ensure_ascii=False) + "\n")
        (folder / "preview.json").write_text(json.dumps(asdict(preview), ensure_ascii=False))
        return preview

    def preview(self, token: str, owner: str) -> Preview:
        folder, _ = self._folder(token, owner)
        try:
            return Preview(**json.loads((folder / "preview.json").read_text()))
        except FileNotFoundError:
            raise NotFound("this upload has no preview yet") from None

    def outcomes(self, token: str, owner: str, offset: int, limit: int) -> list[Outcome]:
        folder, _ = self._folder(token, owner)
        return [Outcome(**json.loads(line)) for line in
                _lines(folder / "outcomes.jsonl", offset, limit)]

    def confirm(self, engine: Engine, token: str, owner: str, now: datetime) -> RunReport:
        """Import the staged file for real, then forget it."""
        folder, filename = self._folder(token, owner)
        report = _run(engine, folder / _safe(filename), now=now, started_by=owner)
        shutil.rmtree(folder, ignore_errors=True)
        return report

    def discard(self, token: str, owner: str) -> None:
        folder, _ = self._folder(token, owner)
        shutil.rmtree(folder, ignore_errors=True)

    def _folder(self, token: str, owner: str) -> tuple[Path, str]:
        folder = self.root / token
        if not token.replace("-", "").replace("_", "").isalnum() or not folder.is_dir():
            raise NotFound("there is no such upload (it was imported, discarded or expired)")
        stated = json.loads((folder / "owner.json").read_text())
        if stated["owner"] != owner:
            raise NotFound("there is no such upload (it was imported, discarded or expired)")
        return folder, stated["filename"]

    def _sweep(self) -> None:
        if not self.root.is_dir():
            return
        oldest = time.time() - KEPT_FOR
        for folder in self.root.iterdir():
            if folder.is_dir() and folder.stat().st_mtime < oldest:
                shutil.rmtree(folder, ignore_errors=True)


def _run(engine: Engine, path: Path, **options: Any) -> RunReport:
    """The import job of the file at ``path`` (its kind read from it), run with ``options``
    (those of :class:`~bridge.importing.job.ImportOptions`). The import machinery is loaded
    here, at a first upload: every server process has a cockpit, and most never import
    (it is some 10 MiB of each process's memory)."""
    from bridge.importing.collective import plan
    from bridge.importing.job import ImportOptions

    steps = plan([path])
    if len(steps) != 1:
        raise InvalidInput("the file is not an export of customers or appointments")
    return steps[0].job(engine, steps[0].path, ImportOptions(**options))


def _safe(filename: str) -> str:
    """The uploaded file's name as it is kept (its folder is the upload's own)."""
    name = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_"
                   for c in Path(filename).name).lstrip(".")
    return name[:100] or "export.json"


def _lines(path: Path, offset: int, limit: int) -> Iterator[str]:
    with path.open(encoding="utf-8") as lines:
        for index, line in enumerate(lines):
            if index >= offset + limit:
                return
            if index >= offset:
                yield line
