"""A job's files: the document as uploaded, each page's result, and the images its results point to. ``JobFiles``
says what every keeper of them does; ``FolderFiles`` keeps them under ``jobs_dir/files/<jobId>/`` (beside the
SQLite store), ``postgres.PostgresFiles`` in the database (where replicas on several machines read them). A folder's
writes go to a temporary name first and are renamed into place, so a reader (or a process restarted after ``kill
-9``) never sees half a file."""

import json
import os
import re
import shutil
import tempfile
from typing import Any, Iterator, Optional, Protocol

# An image's name in a job's folder: what the results' URLs end in.
IMAGE_NAME = re.compile(r"^[0-9]+-[A-Za-z0-9_]+\.jpg$")


class JobFiles(Protocol):
    """What keeps jobs' files."""

    def save_source(self, job_id: str, data: bytes) -> None:
        """Keep the document a job was submitted with."""

    def source(self, job_id: str) -> bytes:
        """The document a job was submitted with."""

    def save_page(self, job_id: str, seq: int, result: Any) -> None:
        """Keep the result of a job's page ``seq`` (0 = its first), a JSON value."""

    def pages(self, job_id: str, count: int) -> Iterator[Any]:
        """The results of pages 0 .. count - 1, in order."""

    def save_image(self, job_id: str, name: str, data: bytes) -> None:
        """Keep an image a page's result names."""

    def image(self, job_id: str, name: str) -> Optional[bytes]:
        """An image of the job's results, or None (a name that is not an image's, ``IMAGE_NAME``, is never read)."""

    def delete(self, job_id: str) -> None:
        """Forget every file of a job."""


class FolderFiles:
    """``JobFiles`` in a folder: each job's under ``root/<jobId>/``."""

    def __init__(self, root: str):
        self.root = root
        os.makedirs(root, exist_ok=True)

    def folder(self, job_id: str) -> str:
        return os.path.join(self.root, job_id)

    def save_source(self, job_id: str, data: bytes) -> None:
        os.makedirs(self.folder(job_id), exist_ok=True)
        _write(os.path.join(self.folder(job_id), "source"), data)

    def source(self, job_id: str) -> bytes:
        with open(os.path.join(self.folder(job_id), "source"), "rb") as handle:
            return handle.read()

    def save_page(self, job_id: str, seq: int, result: Any) -> None:
        _write(os.path.join(self.folder(job_id), "page-%06d.json" % seq), json.dumps(result).encode("utf-8"))

    def pages(self, job_id: str, count: int) -> Iterator[Any]:
        for seq in range(count):
            with open(os.path.join(self.folder(job_id), "page-%06d.json" % seq), encoding="utf-8") as handle:
                yield json.load(handle)

    def save_image(self, job_id: str, name: str, data: bytes) -> None:
        _write(os.path.join(self.folder(job_id), name), data)

    def image(self, job_id: str, name: str) -> Optional[bytes]:
        if not IMAGE_NAME.match(name):
            return None
        try:
            with open(os.path.join(self.folder(job_id), name), "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    def delete(self, job_id: str) -> None:
        shutil.rmtree(self.folder(job_id), ignore_errors=True)


def _write(path: str, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".writing-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
