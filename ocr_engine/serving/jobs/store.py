"""What a job store keeps and does, written once (``JobStore``), whatever holds it: SQLite beside the files on one
machine (``sqlite.SQLiteStore``, the default). A job is its record and its pages; every process on the store
claims *pages*, one at a time, under a lease, so one document spreads over every process, and a page whose process
died is claimed again once its lease has run out. A page is counted done once, by the claim that holds it."""

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Protocol

from .contract import JobView

# A claim lasts this long unless renewed; the runner renews it every third of that while it reads the page.
LEASE_SECONDS = 60.0


@dataclass(frozen=True)
class NewJob:
    """A job as submitted: who sent it (the key's name, "" with keys off), what reads it, and its pages."""

    job_id: str
    owner: str
    model: str
    pipeline: str
    payload: str  # optionalPayload, as JSON text
    batch_id: Optional[str]
    kind: str  # "pdf" or "image"
    pages: List[int]  # the document's page numbers to read, in order (1 = the first)


# A job's columns, in the order ``JobRecord.from_row`` reads them (the same names in every store).
JOB_COLUMNS = "id, state, total, done, created, started, ended, error, owner, model, pipeline, payload, batch, kind"


@dataclass(frozen=True)
class JobRecord:
    """A job as the store holds it."""

    view: JobView
    owner: str
    model: str
    pipeline: str
    payload: str
    batch_id: Optional[str]
    kind: str

    @classmethod
    def from_row(cls, row: tuple) -> "JobRecord":
        """A job from a row of ``JOB_COLUMNS``."""
        job_id, state, total, done, created, started, ended, error, owner, model, pipeline, payload, batch, kind = row
        return cls(JobView(job_id, state, total, done, created, started, ended, error), owner, model, pipeline,
                   payload, batch, kind)


@dataclass(frozen=True)
class Claim:
    """One page of one job, claimed by one worker until ``lease_until``."""

    job_id: str
    seq: int  # the page's place in the job's result (0 = its first line)
    page: int  # its number in the document
    worker: str


class JobStore(Protocol):
    """The operations every store offers; each is one transaction."""

    def create(self, job: NewJob, now: float) -> None:
        """Keep a new job, pending, with its pages queued."""

    def claim(self, worker: str, now: float) -> Optional[Claim]:
        """The oldest page no live claim holds (queued, or claimed by a worker whose lease ran out), now held by
        ``worker``; its job turns running. None when there is none."""

    def renew(self, claim: Claim, now: float) -> bool:
        """Extend ``claim``'s lease; False once another worker holds the page (the lease had run out)."""

    def finish(self, claim: Claim, now: float) -> bool:
        """Count ``claim``'s page done (its job done with its last page); False when the claim no longer holds
        it, and nothing is counted."""

    def release(self, dead: Callable[[str], bool]) -> int:
        """Put back in the queue the pages claimed by workers ``dead(worker)`` says are gone, without waiting for
        their leases; how many."""

    def fail(self, job_id: str, error: str, now: float) -> None:
        """End a job as failed with ``error``; its pages not yet done are dropped."""

    def job(self, job_id: str) -> Optional[JobRecord]:
        """A job, or None."""

    def batch(self, batch_id: str, owner: str) -> List[JobRecord]:
        """``owner``'s jobs in a batch, oldest first."""

    def ended_before(self, when: float) -> List[str]:
        """The jobs that ended (done or failed) before ``when``."""

    def delete(self, job_id: str) -> None:
        """Forget a job and its pages."""

    def queued_pages(self) -> int:
        """Pages not yet done of jobs still pending or running."""

    def jobs_by_state(self) -> Dict[str, int]:
        """How many jobs the store holds in each state (every state named, 0 included)."""

    def open_jobs(self, owner: str) -> int:
        """``owner``'s jobs still pending or running."""
