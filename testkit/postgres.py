"""A throwaway PostgreSQL cluster for the tests: Debian's ``postgresql`` binaries, run as the ``postgres`` user in a
temporary folder, trust authentication on a Unix socket in that folder, stopped and removed at the end."""

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from typing import Iterator, Optional

from .server import free_port


def postgres_bin() -> Optional[str]:
    """The folder of Debian's PostgreSQL programs (the newest installed), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def can_run() -> bool:
    """Whether a cluster can be made here: the programs, a ``postgres`` user, and root to run as it."""
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return postgres_bin() is not None and os.geteuid() == 0


@contextlib.contextmanager
def throwaway_postgres(database: str = "ocr_jobs") -> Iterator[str]:
    """A running cluster with ``database`` in it; yields its URL (user postgres, no password, the socket)."""
    folder = tempfile.mkdtemp(prefix="ocr-pg-")
    user = pwd.getpwnam("postgres")
    os.chown(folder, user.pw_uid, user.pw_gid)
    data, port, programs = os.path.join(folder, "data"), free_port(), postgres_bin()

    def as_postgres(*command: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--"] + list(command), check=True, capture_output=True,
                       timeout=120)

    try:
        as_postgres(os.path.join(programs, "initdb"), "-A", "trust", "-D", data)
        as_postgres(os.path.join(programs, "pg_ctl"), "-D", data, "-l", os.path.join(folder, "log"), "-w", "-o",
                    "-p %d -k %s -c listen_addresses=''" % (port, folder), "start")
        as_postgres(os.path.join(programs, "createdb"), "-h", folder, "-p", str(port), database)
        yield "postgresql://postgres@/%s?host=%s&port=%d" % (database, folder, port)
    finally:
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            as_postgres(os.path.join(programs, "pg_ctl"), "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)
