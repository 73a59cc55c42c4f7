"""The export job: build the archive, store it privately, mark the request ready and tell
the person, in one final transaction with the job's completion; and the retention sweep
that erases archives past their 7 days.

A job runs again after a crash (the queue's lease): the request goes back to `en_cours`, a
new archive is built, and only the attempt whose final transaction commits names its file
(a file whose row could not be marked is erased at once). A draft left by a crash is
erased by the sweep after a day."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from hostolink.account.export import archive, repository
from hostolink.account.export.storage import ExportStorage
from hostolink.db import Database
from hostolink.jobs import queue
from hostolink.jobs.queue import Job
from hostolink.notifications.service import notify

if TYPE_CHECKING:
    from hostolink.config import Settings
    from hostolink.jobs.retention import Retention
    from hostolink.jobs.worker import Worker

logger = logging.getLogger("hostolink.account.export")

EXPORT_JOB = "compte.export"
MAX_ATTEMPTS = 3
KEPT = timedelta(days=7)
SWEEP_BATCH = 100
DRAFT_AGE = timedelta(days=1)

READY_TITLE = "Vos données sont prêtes"
READY_TEXT = (
    "Vos données sont prêtes : téléchargez l'archive depuis Profil › Mes données. "
    "Elle est valable 7 jours."
)


class Exports:
    def __init__(self, db: Database, storage: ExportStorage) -> None:
        self._db = db
        self.storage = storage

    async def run_job(self, job: Job) -> None:
        export_id = int(job.payload["id_export"])
        try:
            await self.build(export_id, job=job)
        except Exception as exc:
            final = job.attempt >= job.max_attempts
            async with self._db.engine.begin() as connection:
                await repository.failed(connection, export_id, repr(exc), final=final)
            raise

    async def build(self, export_id: int, *, job: Job | None = None) -> bool:
        """Build and store one export; False when there was nothing to do (already ready,
        expired, or gone)."""
        async with self._db.engine.begin() as connection:
            user_id = await repository.start(connection, export_id)
        if user_id is None:
            if job is not None:
                async with self._db.engine.begin() as connection:
                    await queue.complete(connection, job.id, attempt=job.attempt)
            return False
        draft = self.storage.draft_path()
        now = datetime.now(UTC)
        writer = await asyncio.to_thread(archive.ArchiveWriter, draft)
        try:
            # One snapshot for the whole archive: the balance and the history agree.
            async with self._db.sessionmaker() as session:
                await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
                await archive.build(session, user_id, writer, now)
                await session.rollback()  # read only
        except BaseException:
            await asyncio.to_thread(writer.abandon)
            raise
        size = (await asyncio.to_thread(draft.stat)).st_size
        saved = await self.storage.keep(draft)
        ready = datetime.now(UTC)
        async with self._db.sessionmaker() as session, session.begin():
            connection = await session.connection()
            marked = await repository.ready(
                connection,
                export_id,
                ready=ready,
                expires=ready + KEPT,
                size=size,
                storage=saved.stockage,
                key=saved.cle_stockage,
            )
            if marked:
                await notify(
                    session,
                    user_id=user_id,
                    kind="systeme",
                    title=READY_TITLE,
                    text=READY_TEXT,
                    data={"id_export": export_id, "ecran": "mes-donnees"},
                )
                if job is not None:
                    await queue.complete(connection, job.id, attempt=job.attempt)
        if not marked:
            await self.storage.erase(saved.stockage, saved.cle_stockage)
        return marked

    async def sweep(self, now: datetime | None = None) -> int:
        """Erase the archives past their expiry and mark their requests `expire`; how many.
        The file goes first: a crash between the two leaves a ready row whose file is gone
        (the download answers 410), erased again on the next run without harm."""
        moment = now or datetime.now(UTC)
        erased = 0
        while True:
            async with self._db.engine.begin() as connection:
                rows = await repository.due(connection, moment, batch=SWEEP_BATCH)
                for row in rows:
                    if row.cle_stockage is not None:
                        await self.storage.erase(row.stockage, row.cle_stockage)
                    await repository.expire(connection, row.id_export)
            erased += len(rows)
            if len(rows) < SWEEP_BATCH:
                break
        await asyncio.to_thread(self._drop_drafts, moment)
        return erased

    def _drop_drafts(self, moment: datetime) -> None:
        folder = self.storage.local_dir
        if not folder.is_dir():
            return
        limit = (moment - DRAFT_AGE).timestamp()
        for draft in folder.glob(".*.tmp*"):
            if draft.stat().st_mtime < limit:
                draft.unlink(missing_ok=True)


def install(worker: Worker, db: Database, settings: Settings, retention: Retention) -> Exports:
    """The export job's handler on `worker`, and its sweep in the retention purge."""
    exports = Exports(db, ExportStorage(settings))
    worker.handlers[EXPORT_JOB] = exports.run_job
    retention.sweeps["export_donnees"] = exports.sweep
    return exports
