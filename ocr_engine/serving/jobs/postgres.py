"""The job store for several machines: PostgreSQL (``jobs_database``, a URL), holding the jobs, their pages, their
files and the links' secret, so that every replica reads any job's pages and answers any job's status.

A claim uses PostgreSQL's own queue idiom, ``SELECT ... FOR UPDATE SKIP LOCKED``: each runner locks the oldest free
page row and skips rows another runner holds locked, so claims never wait on each other and never take the same
page; the lease (``store.LEASE_SECONDS``) hands back a page whose replica died. Written on psycopg 3 alone, without
a queue library: a page claim is one statement, and the libraries (procrastinate, pgqueuer) queue whole tasks with
their own workers, where this needs pages of a document leased by the serving processes' runners."""

import os
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional

from .contract import STATES
from .files import IMAGE_NAME
from .store import JOB_COLUMNS, LEASE_SECONDS, Claim, JobRecord, NewJob

SCHEMA = """
CREATE TABLE IF NOT EXISTS ocr_jobs (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, model TEXT NOT NULL, pipeline TEXT NOT NULL, payload TEXT NOT NULL,
    batch TEXT, kind TEXT NOT NULL, state TEXT NOT NULL, total INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0,
    created DOUBLE PRECISION NOT NULL, started DOUBLE PRECISION, ended DOUBLE PRECISION, error TEXT);
CREATE INDEX IF NOT EXISTS ocr_jobs_batch ON ocr_jobs (batch, owner);
CREATE TABLE IF NOT EXISTS ocr_job_pages (
    job TEXT NOT NULL REFERENCES ocr_jobs (id) ON DELETE CASCADE, seq INTEGER NOT NULL, page INTEGER NOT NULL,
    state TEXT NOT NULL, worker TEXT, lease DOUBLE PRECISION, PRIMARY KEY (job, seq));
CREATE INDEX IF NOT EXISTS ocr_job_pages_open ON ocr_job_pages (state, lease);
CREATE TABLE IF NOT EXISTS ocr_job_files (
    job TEXT NOT NULL, name TEXT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (job, name));
CREATE TABLE IF NOT EXISTS ocr_job_secret (id INTEGER PRIMARY KEY, secret TEXT NOT NULL);
"""
_CLAIM = """
WITH next AS (
    SELECT p.job, p.seq FROM ocr_job_pages p JOIN ocr_jobs j ON j.id = p.job
    WHERE p.state = 'queued' OR (p.state = 'claimed' AND p.lease < %(now)s)
    ORDER BY j.created, p.job, p.seq LIMIT 1 FOR UPDATE OF p SKIP LOCKED)
UPDATE ocr_job_pages p SET state = 'claimed', worker = %(worker)s, lease = %(lease)s FROM next
WHERE p.job = next.job AND p.seq = next.seq RETURNING p.job, p.seq, p.page
"""


class Database:
    """Connections to ``url``, one per thread (the runner's, each request's), made again after a failure."""

    def __init__(self, url: str):
        self.url = url
        self._local = threading.local()
        transaction, connection = self.begin()
        with transaction:
            connection.execute("SELECT pg_advisory_xact_lock(4501)")  # replicas starting together: one makes it
            connection.execute(SCHEMA)

    def begin(self) -> Any:
        """(a transaction to enter, its connection): this thread's connection, committed at the end of the
        ``with`` block, rolled back on error."""
        import psycopg

        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed or connection.broken:
            connection = self._local.connection = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        return connection.transaction(), connection

    def run(self, query: str, params: Any = None) -> List[tuple]:
        """``query`` in a transaction of its own; its rows (none for a statement that returns none)."""
        transaction, connection = self.begin()
        with transaction:
            cursor = connection.execute(query, params)
            return cursor.fetchall() if cursor.description else []


class PostgresStore:
    """``store.JobStore`` on PostgreSQL."""

    def __init__(self, database: Database):
        self.db = database

    def create(self, job: NewJob, now: float) -> None:
        transaction, connection = self.db.begin()
        with transaction:
            connection.execute(
                "INSERT INTO ocr_jobs (id, owner, model, pipeline, payload, batch, kind, state, total, created) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, 'pending', %s, %s)",
                (job.job_id, job.owner, job.model, job.pipeline, job.payload, job.batch_id, job.kind, len(job.pages),
                 now))
            with connection.cursor() as cursor:
                cursor.executemany("INSERT INTO ocr_job_pages (job, seq, page, state) VALUES (%s, %s, %s, 'queued')",
                                   [(job.job_id, seq, page) for seq, page in enumerate(job.pages)])

    def claim(self, worker: str, now: float) -> Optional[Claim]:
        transaction, connection = self.db.begin()
        with transaction:
            row = connection.execute(_CLAIM, {"now": now, "worker": worker, "lease": now + LEASE_SECONDS}).fetchone()
            if row is None:
                return None
            connection.execute("UPDATE ocr_jobs SET state = 'running', started = COALESCE(started, %s) "
                               "WHERE id = %s AND state = 'pending'", (now, row[0]))
        return Claim(row[0], row[1], row[2], worker)

    def renew(self, claim: Claim, now: float) -> bool:
        return bool(self.db.run("UPDATE ocr_job_pages SET lease = %s WHERE job = %s AND seq = %s AND state = "
                                "'claimed' AND worker = %s RETURNING seq",
                                (now + LEASE_SECONDS, claim.job_id, claim.seq, claim.worker)))

    def finish(self, claim: Claim, now: float) -> bool:
        transaction, connection = self.db.begin()
        with transaction:
            held = connection.execute(
                "UPDATE ocr_job_pages SET state = 'done', lease = NULL WHERE job = %s AND seq = %s "
                "AND state = 'claimed' AND worker = %s RETURNING seq", (claim.job_id, claim.seq, claim.worker)
            ).fetchone() is not None
            if held:
                connection.execute("UPDATE ocr_jobs SET done = done + 1, state = CASE WHEN done + 1 = total THEN "
                                   "'done' ELSE state END, ended = CASE WHEN done + 1 = total THEN %s ELSE ended END "
                                   "WHERE id = %s", (now, claim.job_id))
        return held

    def release(self, dead: Callable[[str], bool]) -> int:
        workers = [row[0] for row in self.db.run("SELECT DISTINCT worker FROM ocr_job_pages WHERE state = 'claimed'")]
        released = 0
        for worker in filter(dead, workers):
            released += len(self.db.run("UPDATE ocr_job_pages SET state = 'queued', worker = NULL, lease = NULL "
                                        "WHERE state = 'claimed' AND worker = %s RETURNING seq", (worker,)))
        return released

    def fail(self, job_id: str, error: str, now: float) -> None:
        transaction, connection = self.db.begin()
        with transaction:
            connection.execute("UPDATE ocr_jobs SET state = 'failed', error = %s, ended = %s WHERE id = %s "
                               "AND state IN ('pending', 'running')", (error, now, job_id))
            connection.execute("DELETE FROM ocr_job_pages WHERE job = %s AND state != 'done'", (job_id,))

    def job(self, job_id: str) -> Optional[JobRecord]:
        rows = self.db.run("SELECT %s FROM ocr_jobs WHERE id = %%s" % JOB_COLUMNS, (job_id,))
        return JobRecord.from_row(rows[0]) if rows else None

    def batch(self, batch_id: str, owner: str) -> List[JobRecord]:
        return [JobRecord.from_row(row) for row in self.db.run(
            "SELECT %s FROM ocr_jobs WHERE batch = %%s AND owner = %%s ORDER BY created, id" % JOB_COLUMNS,
            (batch_id, owner))]

    def ended_before(self, when: float) -> List[str]:
        return [row[0] for row in self.db.run("SELECT id FROM ocr_jobs WHERE ended < %s", (when,))]

    def delete(self, job_id: str) -> None:
        self.db.run("DELETE FROM ocr_jobs WHERE id = %s", (job_id,))  # pages cascade; PostgresFiles drops files


    def queued_pages(self) -> int:
        return self.db.run("SELECT COUNT(*) FROM ocr_job_pages p JOIN ocr_jobs j ON j.id = p.job WHERE p.state != "
                           "'done' AND j.state IN ('pending', 'running')")[0][0]

    def jobs_by_state(self) -> Dict[str, int]:
        counts = dict(self.db.run("SELECT state, COUNT(*) FROM ocr_jobs GROUP BY state"))
        return {state: counts.get(state, 0) for state in STATES}

    def open_jobs(self, owner: str) -> int:
        return self.db.run("SELECT COUNT(*) FROM ocr_jobs WHERE owner = %s AND state IN ('pending', 'running')",
                           (owner,))[0][0]


class PostgresFiles:
    """``files.JobFiles`` in the database: every replica reads what another kept."""

    def __init__(self, database: Database):
        self.db = database

    def _save(self, job_id: str, name: str, data: bytes) -> None:
        self.db.run("INSERT INTO ocr_job_files (job, name, data) VALUES (%s, %s, %s) ON CONFLICT (job, name) "
                    "DO UPDATE SET data = EXCLUDED.data", (job_id, name, data))

    def _read(self, job_id: str, name: str) -> Optional[bytes]:
        rows = self.db.run("SELECT data FROM ocr_job_files WHERE job = %s AND name = %s", (job_id, name))
        return bytes(rows[0][0]) if rows else None

    def save_source(self, job_id: str, data: bytes) -> None:
        self._save(job_id, "source", data)

    def source(self, job_id: str) -> bytes:
        data = self._read(job_id, "source")
        if data is None:
            raise FileNotFoundError("job %s has no document" % job_id)
        return data

    def save_page(self, job_id: str, seq: int, result: Any) -> None:
        import json

        self._save(job_id, "page-%06d.json" % seq, json.dumps(result).encode("utf-8"))

    def pages(self, job_id: str, count: int) -> Iterator[Any]:
        import json

        for seq in range(count):
            data = self._read(job_id, "page-%06d.json" % seq)
            if data is None:
                raise FileNotFoundError("job %s has no result for its page %d" % (job_id, seq + 1))
            yield json.loads(data)

    def save_image(self, job_id: str, name: str, data: bytes) -> None:
        self._save(job_id, name, data)

    def image(self, job_id: str, name: str) -> Optional[bytes]:
        return self._read(job_id, name) if IMAGE_NAME.match(name) else None

    def delete(self, job_id: str) -> None:
        self.db.run("DELETE FROM ocr_job_files WHERE job = %s", (job_id,))


def shared_secret(database: Database) -> bytes:
    """The links' secret, made once by whichever replica comes first and read by every other."""
    database.run("INSERT INTO ocr_job_secret (id, secret) VALUES (1, %s) ON CONFLICT (id) DO NOTHING",
                 (os.urandom(32).hex(),))
    return database.run("SELECT secret FROM ocr_job_secret WHERE id = 1")[0][0].encode()

