"""PaddleOCR's official job API (``/api/v2/ocr/jobs``), for its official clients, on the serving port: whole
documents read page by page by every process on one job store.

- ``contract``: paths, the envelope, models, page ranges, a job's status, as the clients read them;
- ``store`` (what every store does) and ``sqlite`` (the default store, in ``jobs_dir``); ``files`` (a job's
  document, page results and images);
- ``pages``: one page read through PaddleX's ``/ocr`` or ``/layout-parsing`` code, and the result's JSONL;
- ``runner``: the thread in each process that claims and reads pages;
- ``signing``: result links that carry their own permission;
- ``routes``: the HTTP endpoints.
"""

import logging
import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from .. import access, envelopes, metrics
from .contract import JOBS_PATH, RESULTS_PREFIX, failure
from .files import FolderFiles, JobFiles
from .options import JobOptions
from .routes import JobRoutes, JobsUnavailable
from .runner import JobRunner
from .signing import load_secret
from .sqlite import SQLiteStore
from .store import JobStore

log = logging.getLogger(__name__)
envelopes.register_api([JOBS_PATH], failure, prefixes=[JOBS_PATH + "/", RESULTS_PREFIX])
access.register_signed_links(RESULTS_PREFIX)

@dataclass(frozen=True)
class Opened:
    """A job store opened by this process: its jobs, their files, and the links' secret."""

    store: JobStore
    files: JobFiles
    secret: bytes


# The store this process opened at each place (a gunicorn worker forked from a master that opened one opens its
# own), its routes, and its runner: one each per process.
_STORES: Dict[Tuple[str, int], Opened] = {}
_ROUTES: Dict[Tuple[str, int], JobRoutes] = {}
_RUNNERS: Dict[Tuple[str, int], JobRunner] = {}


def _place(options: JobOptions) -> Tuple[str, int]:
    return (options.jobs_database or os.path.abspath(options.jobs_dir), os.getpid())


def open_store(options: JobOptions) -> Opened:
    """The store ``options`` name, made on first use: PostgreSQL at ``jobs_database``, else SQLite and a folder in
    ``jobs_dir``. Any error of the driver or the file system is raised (the callers say it in a sentence)."""
    place = _place(options)
    if place not in _STORES:
        url = options.database_url()
        if url:
            from .postgres import Database, PostgresFiles, PostgresStore, shared_secret

            database = Database(url)
            _STORES[place] = Opened(PostgresStore(database), PostgresFiles(database), shared_secret(database))
        else:
            root = os.path.abspath(options.jobs_dir)
            os.makedirs(root, exist_ok=True)
            _STORES[place] = Opened(SQLiteStore(os.path.join(root, "jobs.sqlite3")),
                                    FolderFiles(os.path.join(root, "files")), load_secret(os.path.join(root, "secret")))
    return _STORES[place]


def job_routes(app: Callable, modules: Mapping[str, Any], options: Callable[[], JobOptions]) -> Callable:
    """The job API in front of ``app``, on the store ``options()`` names; where the store cannot be opened, it
    answers 503 saying why (and so does ``/ready``), and everything else is served. (The pages are read by the
    serving processes' runners, ``start_job_runner``: the app may be built in a gunicorn master, which reads none.)"""
    settings = options()
    access.register_body_limit(JOBS_PATH, lambda: options().job_max_upload_bytes, "job_max_upload_bytes")
    place = _place(settings)
    if place not in _ROUTES:
        try:
            opened = open_store(settings)
        except Exception:  # any driver's or the file system's error: said in a sentence, and the rest is served
            problem = store_problem(settings) or "the job store in %s cannot be used" % settings.where()
            log.warning("%s: the job API answers 503", problem)
            return JobsUnavailable(app, problem + ": set jobs_dir to a folder this server may write, or "
                                                  "jobs_database to a PostgreSQL server it reaches")
        _ROUTES[place] = JobRoutes(app, opened.store, opened.files, opened.secret, options)
    routes = _ROUTES[place]
    routes.app = app
    return routes


def start_job_runner(modules: Mapping[str, Any], options: Callable[[], JobOptions]) -> None:
    """Start this serving process's job runner (once), reading the store's pages with ``modules``: the one process,
    or each gunicorn worker after its fork. Not where the store cannot be opened (the job API says why)."""
    settings = options()
    place = _place(settings)
    if place in _RUNNERS:
        return
    try:
        opened = open_store(settings)
    except Exception:  # noqa: BLE001 - the job API and /ready say why
        return
    _RUNNERS[place] = JobRunner(opened.store, opened.files, modules, settings.job_retention_hours).start()


def store_problem(options: JobOptions) -> Optional[str]:
    """Why the job store cannot be used now (None: it can): ``/ready``'s answer. Never the URL (it holds a
    password)."""
    try:
        open_store(options).store.queued_pages()
    except Exception as err:  # any driver's error, in its words: for the operator
        return "the job store in %s cannot be read (%s)" % (options.where(), str(err).splitlines()[0][:300])
    return None


def register_gauges(options: Callable[[], JobOptions]) -> None:
    """``ocr_jobs{state}`` and ``ocr_job_pages_queued`` on /metrics, read from the store at each scrape."""
    metrics.register_gauge("ocr_jobs", "Jobs in the job store, by state (ended ones until job_retention_hours)",
                           ("state",), lambda: {(state,): float(count) for state, count in
                                                open_store(options()).store.jobs_by_state().items()})
    metrics.register_gauge("ocr_job_pages_queued", "Job pages not yet read, of jobs pending or running: what an "
                           "autoscaler scales on", (), lambda: {(): float(open_store(options()).store.queued_pages())})


__all__ = ["JobOptions", "job_routes", "register_gauges", "start_job_runner", "store_problem"]
