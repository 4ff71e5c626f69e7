"""An uploaded export file, staged: run as a dry run first, its preview kept (counts,
messages and every record's outcome), then imported when confirmed, or discarded.

Uploads are kept in the database (``bridge.models.uploads``), never on a server's disk: behind
a load balancer, an upload previewed through one server process is imported (or discarded)
through any other. The file is streamed into the database in parts of a MiB, each written in
a short transaction of its own (a slow upload holds no write lock); it is read back into a
temporary file for as long as its dry run or its import runs. Each upload is named by an
unguessable token and is found only by whoever uploaded it. Uploads older than
:data:`KEPT_FOR` are removed whenever a file is staged.
"""

import json
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import CursorResult, Engine, delete, insert, select, update
from sqlalchemy.orm import Session

from bridge.errors import BridgeError, InvalidInput
from bridge.hq.errors import NotFound
from bridge.importing.report import COUNTS, Outcome, RunReport
from bridge.infra.db import transaction
from bridge.models import StagedUpload, StagedUploadPart

KEPT_FOR = timedelta(days=1)
PART = 1 << 20
"""The bytes of one part of an upload as it is kept."""
GONE = "there is no such upload (it was imported, discarded or expired)"


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
    """The uploads of one HQ database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def stage(self, upload: IO[bytes], filename: str, owner: str, now: datetime) -> str:
        """Keep the uploaded file (``filename``: its name as uploaded); its token. Uploads
        older than :data:`KEPT_FOR` at ``now`` are removed first."""
        self.sweep(now)
        token = secrets.token_urlsafe(18)
        with transaction(self.engine) as session:
            session.add(StagedUpload(token=token, owner=owner, filename=_shown(filename),
                                     created_at=now))
        try:
            size = seq = 0
            while part := upload.read(PART):
                with transaction(self.engine) as session:
                    session.execute(insert(StagedUploadPart),
                                    {"token": token, "seq": seq, "data": part})
                seq, size = seq + 1, size + len(part)
            with transaction(self.engine) as session:
                session.execute(update(StagedUpload).where(StagedUpload.token == token)
                                .values(size=size, ready=True))
        except BaseException:
            self._forget(token)
            raise
        return token

    def dry_run(self, token: str, owner: str, now: datetime) -> Preview:
        """Run the staged file as a dry run and keep what it would do."""
        filename = self._filename(token, owner)
        outcomes: list[Outcome] = []
        with self._file(token, filename) as path:
            report = _run(self.engine, path, now=now, started_by=owner, dry_run=True,
                          outcomes=outcomes, source=filename)
        preview = Preview(token, owner, filename, report.job,
                          {name: report.counts[name] for name in COUNTS},
                          [str(message) for message in report.sample], len(outcomes))
        kept = {key: value for key, value in asdict(preview).items()
                if key not in ("token", "owner", "filename")}
        with transaction(self.engine) as session:
            session.execute(update(StagedUpload).where(StagedUpload.token == token).values(
                preview=json.dumps(kept, ensure_ascii=False),
                outcomes="".join(json.dumps(asdict(outcome), ensure_ascii=False) + "\n"
                                 for outcome in outcomes)))
        return preview

    def preview(self, token: str, owner: str) -> Preview:
        with transaction(self.engine, write=False) as session:
            staged = _found(session, token, owner)
        if staged.preview is None:
            raise NotFound("this upload has no preview yet")
        return Preview(token, owner, staged.filename, **json.loads(staged.preview))

    def outcomes(self, token: str, owner: str, offset: int, limit: int) -> list[Outcome]:
        with transaction(self.engine, write=False) as session:
            lines = (_found(session, token, owner).outcomes or "").splitlines()
        return [Outcome(**json.loads(line)) for line in lines[offset:offset + limit]]

    def confirm(self, token: str, owner: str, now: datetime) -> RunReport:
        """Import the staged file for real, then forget it. The import claims the upload
        first: a second confirmation meanwhile (another server's, say) finds it gone."""
        filename = self._filename(token, owner)
        with transaction(self.engine) as session:
            # (a DML statement's result is a CursorResult: Session.execute is typed for any)
            claimed = cast(CursorResult[Any], session.execute(update(StagedUpload).where(
                StagedUpload.token == token, StagedUpload.ready).values(ready=False))).rowcount
        if claimed != 1:
            raise NotFound(GONE)
        try:
            with self._file(token, filename) as path:
                report = _run(self.engine, path, now=now, started_by=owner, source=filename)
        except BaseException:
            with transaction(self.engine) as session:  # (to be confirmed again, or discarded)
                session.execute(update(StagedUpload).where(StagedUpload.token == token)
                                .values(ready=True))
            raise
        self._forget(token)
        return report

    def discard(self, token: str, owner: str) -> None:
        self._filename(token, owner)
        self._forget(token)

    def sweep(self, now: datetime) -> int:
        """Remove the uploads older than :data:`KEPT_FOR` at ``now``; how many."""
        with transaction(self.engine) as session:
            old = list(session.scalars(select(StagedUpload.token)
                                       .where(StagedUpload.created_at < now - KEPT_FOR)))
            _delete(session, old)
        return len(old)

    def _filename(self, token: str, owner: str) -> str:
        with transaction(self.engine, write=False) as session:
            return _found(session, token, owner).filename

    def _forget(self, token: str) -> None:
        with transaction(self.engine) as session:
            _delete(session, [token])

    @contextmanager
    def _file(self, token: str, filename: str) -> Iterator[Path]:
        """The staged file's bytes in a temporary file, for as long as it is used."""
        with tempfile.TemporaryDirectory(prefix="bridge-upload-") as folder:
            path = Path(folder) / _safe(filename)
            with path.open("wb") as out, transaction(self.engine, write=False) as session:
                parts = session.scalars(
                    select(StagedUploadPart.data).where(StagedUploadPart.token == token)
                    .order_by(StagedUploadPart.seq).execution_options(yield_per=4))
                for part in parts:
                    out.write(part)
            try:
                yield path
            except BridgeError as error:  # (said with the name as uploaded, not the path)
                error.args = tuple(str(arg).replace(str(path), filename)
                                   if isinstance(arg, str) else arg for arg in error.args)
                raise


def _found(session: Session, token: str, owner: str) -> StagedUpload:
    staged = session.get(StagedUpload, token) if len(token) <= 64 else None
    if staged is None or staged.owner != owner or not staged.ready:
        raise NotFound(GONE)
    return staged


def _delete(session: Session, tokens: list[str]) -> None:
    if tokens:  # (its parts too, explicitly: whatever the database's foreign key support)
        session.execute(delete(StagedUploadPart).where(StagedUploadPart.token.in_(tokens)))
        session.execute(delete(StagedUpload).where(StagedUpload.token.in_(tokens)))


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


def _shown(filename: str) -> str:
    """The uploaded file's name as pages show it (no folder a browser may send with it)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255] or "export.json"


def _safe(filename: str) -> str:
    """The uploaded file's name as its temporary copy is named."""
    name = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_"
                   for c in Path(filename).name).lstrip(".")
    return name[:100] or "export.json"
