"""The default job store: one SQLite file in ``jobs_dir``, in WAL mode, which every process on the machine (gunicorn's
workers, a restarted server) opens. A claim is an ``UPDATE`` inside ``BEGIN IMMEDIATE``, which SQLite runs one at
a time, so two processes never claim the same page.

SQLite's mutexes are process-wide, and a process forked while another of its threads is inside SQLite holds a copy
of that mutex that nobody will release: the child's first connection waits forever. gunicorn's master forks its
workers while its status thread reads the store for ``/ready`` and ``/metrics``, so every connection here is made,
used and closed inside ``FORK_GATE``, which a fork waits for."""

import contextlib
import os
import sqlite3
import threading
from typing import Callable, Dict, Iterator, List, Optional

from .contract import STATES
from .store import JOB_COLUMNS, LEASE_SECONDS, Claim, JobRecord, NewJob

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, model TEXT NOT NULL, pipeline TEXT NOT NULL, payload TEXT NOT NULL,
    batch TEXT, kind TEXT NOT NULL, state TEXT NOT NULL, total INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL, started REAL, ended REAL, error TEXT);
CREATE INDEX IF NOT EXISTS jobs_batch ON jobs (batch, owner);
CREATE TABLE IF NOT EXISTS pages (
    job TEXT NOT NULL, seq INTEGER NOT NULL, page INTEGER NOT NULL, state TEXT NOT NULL, worker TEXT,
    lease REAL, PRIMARY KEY (job, seq));
CREATE INDEX IF NOT EXISTS pages_open ON pages (state, lease);
"""


class ForkGate:
    """Any number of threads inside at once, and no fork while one is: ``os.fork`` shuts the gate to newcomers,
    waits until the last one inside leaves, and opens it again once forked (in the parent and in the child)."""

    def __init__(self) -> None:
        self._gate = threading.Condition(threading.Lock())  # a plain lock: the child releases the parent's hold
        self._inside = 0
        self._forking = False
        os.register_at_fork(before=self._shut, after_in_parent=self._open, after_in_child=self._open)

    @contextlib.contextmanager
    def inside(self) -> Iterator[None]:
        with self._gate:
            self._gate.wait_for(lambda: not self._forking)
            self._inside += 1
        try:
            yield
        finally:
            with self._gate:
                self._inside -= 1
                self._gate.notify_all()

    def _shut(self) -> None:
        self._gate.acquire()
        self._forking = True
        self._gate.wait_for(lambda: self._inside == 0)

    def _open(self) -> None:
        self._forking = False
        self._gate.notify_all()
        self._gate.release()


FORK_GATE = ForkGate()

# The oldest page no live claim holds.
_CLAIMABLE = ("SELECT pages.job, pages.seq, pages.page FROM pages JOIN jobs ON jobs.id = pages.job "
              "WHERE pages.state = 'queued' OR (pages.state = 'claimed' AND pages.lease < ?) "
              "ORDER BY jobs.created, pages.job, pages.seq LIMIT 1")


class SQLiteStore:
    """``store.JobStore`` on the SQLite file ``path``."""

    def __init__(self, path: str):
        self.path = path
        with self._connection() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        # One connection per call: they are cheap, and each thread of each process gets its own.
        with FORK_GATE.inside():
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                yield db
            finally:
                db.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def create(self, job: NewJob, now: float) -> None:
        with self._write() as db:
            db.execute("INSERT INTO jobs (id, owner, model, pipeline, payload, batch, kind, state, total, created) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                       (job.job_id, job.owner, job.model, job.pipeline, job.payload, job.batch_id, job.kind,
                        len(job.pages), now))
            db.executemany("INSERT INTO pages (job, seq, page, state) VALUES (?, ?, ?, 'queued')",
                           [(job.job_id, seq, page) for seq, page in enumerate(job.pages)])

    def claim(self, worker: str, now: float) -> Optional[Claim]:
        with self._connection() as db:  # an idle store is read, not locked, by every runner's poll
            if db.execute(_CLAIMABLE, (now,)).fetchone() is None:
                return None
        with self._write() as db:
            row = db.execute(_CLAIMABLE, (now,)).fetchone()
            if row is None:
                return None
            job_id, seq, page = row
            db.execute("UPDATE pages SET state = 'claimed', worker = ?, lease = ? WHERE job = ? AND seq = ?",
                       (worker, now + LEASE_SECONDS, job_id, seq))
            db.execute("UPDATE jobs SET state = 'running', started = COALESCE(started, ?) "
                       "WHERE id = ? AND state = 'pending'", (now, job_id))
            return Claim(job_id, seq, page, worker)

    def renew(self, claim: Claim, now: float) -> bool:
        with self._write() as db:
            return db.execute("UPDATE pages SET lease = ? WHERE job = ? AND seq = ? AND state = 'claimed' "
                              "AND worker = ?", (now + LEASE_SECONDS, claim.job_id, claim.seq,
                                                 claim.worker)).rowcount == 1

    def finish(self, claim: Claim, now: float) -> bool:
        with self._write() as db:
            held = db.execute("UPDATE pages SET state = 'done', lease = NULL WHERE job = ? AND seq = ? "
                              "AND state = 'claimed' AND worker = ?",
                              (claim.job_id, claim.seq, claim.worker)).rowcount == 1
            if held:
                db.execute("UPDATE jobs SET done = done + 1 WHERE id = ?", (claim.job_id,))
                db.execute("UPDATE jobs SET state = 'done', ended = ? WHERE id = ? AND done = total "
                           "AND state = 'running'", (now, claim.job_id))
            return held

    def release(self, dead: Callable[[str], bool]) -> int:
        with self._connection() as db:
            workers = [row[0] for row in db.execute("SELECT DISTINCT worker FROM pages WHERE state = 'claimed'")]
        released = 0
        for worker in filter(dead, workers):
            with self._write() as db:
                released += db.execute("UPDATE pages SET state = 'queued', worker = NULL, lease = NULL "
                                       "WHERE state = 'claimed' AND worker = ?", (worker,)).rowcount
        return released

    def fail(self, job_id: str, error: str, now: float) -> None:
        with self._write() as db:
            db.execute("UPDATE jobs SET state = 'failed', error = ?, ended = ? WHERE id = ? "
                       "AND state IN ('pending', 'running')", (error, now, job_id))
            db.execute("DELETE FROM pages WHERE job = ? AND state != 'done'", (job_id,))

    def job(self, job_id: str) -> Optional[JobRecord]:
        with self._connection() as db:
            row = db.execute("SELECT %s FROM jobs WHERE id = ?" % JOB_COLUMNS, (job_id,)).fetchone()
        return None if row is None else JobRecord.from_row(row)

    def batch(self, batch_id: str, owner: str) -> List[JobRecord]:
        with self._connection() as db:
            rows = db.execute("SELECT %s FROM jobs WHERE batch = ? AND owner = ? ORDER BY created, id"
                              % JOB_COLUMNS, (batch_id, owner)).fetchall()
        return [JobRecord.from_row(row) for row in rows]

    def ended_before(self, when: float) -> List[str]:
        with self._connection() as db:
            return [row[0] for row in db.execute("SELECT id FROM jobs WHERE ended < ?", (when,))]

    def delete(self, job_id: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM pages WHERE job = ?", (job_id,))
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def queued_pages(self) -> int:
        with self._connection() as db:
            return db.execute("SELECT COUNT(*) FROM pages JOIN jobs ON jobs.id = pages.job WHERE pages.state != "
                              "'done' AND jobs.state IN ('pending', 'running')").fetchone()[0]

    def jobs_by_state(self) -> Dict[str, int]:
        with self._connection() as db:
            counts = dict(db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall())
        return {state: counts.get(state, 0) for state in STATES}

    def open_jobs(self, owner: str) -> int:
        with self._connection() as db:
            return db.execute("SELECT COUNT(*) FROM jobs WHERE owner = ? AND state IN ('pending', 'running')",
                              (owner,)).fetchone()[0]

