"""The job API's options (``jobs_dir``, ``jobs_database``, ``job_fetch_prefixes``, ``job_max_pages``,
``job_max_upload_bytes``, ``job_retention_hours``, ``jobs_per_key``), one set per serving process, typed where they
are read."""

import os
from dataclasses import dataclass
from typing import Optional, Tuple


@dataclass(frozen=True)
class JobOptions:
    """Where the job store is and what a job may hold."""

    jobs_dir: str
    jobs_database: Optional[str]
    job_fetch_prefixes: Tuple[str, ...]
    job_max_pages: int
    job_max_upload_bytes: int
    job_retention_hours: float
    jobs_per_key: int

    def database_url(self) -> Optional[str]:
        """The PostgreSQL URL, read from the environment variable ``env:NAME`` names (None: the SQLite store); a
        missing variable is a ValueError naming it."""
        if self.jobs_database is None or not self.jobs_database.startswith("env:"):
            return self.jobs_database
        name = self.jobs_database[len("env:"):]
        if not os.environ.get(name):
            raise ValueError("jobs_database names the environment variable %s, which is not set" % name)
        return os.environ[name]

    def where(self) -> str:
        """The store in words, for sentences (never the URL: it holds a password)."""
        return "PostgreSQL (jobs_database)" if self.jobs_database else self.jobs_dir
