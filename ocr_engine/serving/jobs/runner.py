"""The thread in every serving process that reads job pages: it claims one page at a time from the store, reads it
(``pages.read_page``) while renewing its lease, keeps the result, and counts the page done; a page that cannot be
read fails its job with a sentence naming the page. It also deletes jobs past their retention."""

import json
import logging
import os
import socket
import threading
import time
import uuid
from typing import Any, Mapping, Tuple

from ..errors import EngineFailed, InputError
from ..metrics import count_job_page
from ..service import IN_FLIGHT
from .files import JobFiles
from .pages import read_page
from .store import LEASE_SECONDS, Claim, JobStore

log = logging.getLogger(__name__)
IDLE_SECONDS = 0.2  # how often an idle runner looks for a page, or whether clients' requests are done
PURGE_SECONDS = 60.0
CHECK_SECONDS = 5.0  # how often a runner looks for pages held by a dead process of its machine


class JobRunner:
    """Reads pages of ``store``'s jobs with ``modules``' engines, one at a time, on a daemon thread."""

    def __init__(self, store: JobStore, files: JobFiles, modules: Mapping[str, Any], retention_hours: float):
        self.store, self.files, self.modules = store, files, modules
        self.retention = retention_hours * 3600
        self.worker = "%s:%d:%s" % (socket.gethostname(), os.getpid(), uuid.uuid4().hex[:8])
        self._purged = self._checked = 0.0
        # The document of the job whose page was read last: its next pages need not fetch it again (up to
        # job_max_upload_bytes, and with PostgreSQL a round trip of that size a page).
        self._source: Tuple[str, bytes] = ("", b"")
        self.thread = threading.Thread(target=self._run, name="job-runner", daemon=True)

    def start(self) -> "JobRunner":
        self.thread.start()
        return self

    def _run(self) -> None:
        while True:
            try:
                if not self.step():
                    time.sleep(IDLE_SECONDS)
            except Exception:  # the store away for a moment: said, and tried again
                log.exception("the job runner failed; it goes on")
                time.sleep(5)

    def step(self) -> bool:
        """Read one page if one is waiting; False when none was."""
        now = time.time()
        if now - self._purged > PURGE_SECONDS:
            self._purged = now
            self.purge(now)
        if now - self._checked > CHECK_SECONDS:
            self._checked = now
            released = self.store.release(self.gone)
            if released:
                log.info("%d job page(s) claimed by a process of this machine that is gone are queued again", released)
        if IN_FLIGHT.busy():  # a client waits: its request goes first
            return False
        claim = self.store.claim(self.worker, now)
        if claim is None:
            return False
        with IN_FLIGHT.job_page():
            self.read(claim)
        return True

    def read(self, claim: Claim) -> None:
        record = self.store.job(claim.job_id)
        if record is None or record.view.state not in ("pending", "running"):
            return
        renewing = threading.Event()
        threading.Thread(target=self._renew, args=(claim, renewing), daemon=True).start()
        started = time.time()
        try:
            page = read_page(record.pipeline, json.loads(record.payload), record.kind, self.source(claim.job_id),
                             claim.page, self.modules,
                             lambda name, data: self.files.save_image(claim.job_id, name, data), claim.seq)
        except (InputError, EngineFailed) as refused:  # the page's own sentence (EngineFailed: logged already)
            self._fail(claim, "page %d: %s" % (claim.page, refused))
            return
        except Exception:
            log.exception("job %s: page %d failed", claim.job_id, claim.page)
            self._fail(claim, "page %d: the server failed to read this page; the cause is in the server log"
                       % claim.page)
            return
        finally:
            renewing.set()
        self.files.save_page(claim.job_id, claim.seq, page)
        if self.store.finish(claim, time.time()):
            count_job_page("done")
            done = self.store.job(claim.job_id)
            if done is not None and done.view.state == "done":
                log.info("job %s done: %s, %s, %d page(s), %.1f s, %s", claim.job_id, done.model,
                         done.owner or "no key", done.view.total_pages, (done.view.ended or 0) - done.view.created,
                         self.worker)
        else:
            log.info("job %s: page %d was read again elsewhere (this claim's lease ran out after %.0f s)",
                     claim.job_id, claim.page, time.time() - started)

    def source(self, job_id: str) -> bytes:
        """A job's document, kept from its last page read here."""
        if self._source[0] != job_id:
            self._source = (job_id, self.files.source(job_id))
        return self._source[1]

    def _fail(self, claim: Claim, sentence: str) -> None:
        count_job_page("failed")
        self.store.fail(claim.job_id, sentence, time.time())
        log.info("job %s failed: %s", claim.job_id, sentence)

    def _renew(self, claim: Claim, done: threading.Event) -> None:
        while not done.wait(LEASE_SECONDS / 3):
            if not self.store.renew(claim, time.time()):
                return

    def gone(self, worker: str) -> bool:
        """Whether ``worker`` (``host:pid:tag``) was a process of this machine that no longer runs: its pages need
        not wait for their leases (another machine's workers are left to theirs)."""
        host, _, rest = worker.partition(":")
        pid = rest.partition(":")[0]
        if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, as another user
            return False
        return False

    def purge(self, now: float) -> None:
        """Delete the jobs that ended more than the retention ago, their files with them."""
        for job_id in self.store.ended_before(now - self.retention):
            self.files.delete(job_id)
            self.store.delete(job_id)
