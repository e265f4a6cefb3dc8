"""State that gunicorn's master and its workers share: one folder per server, made before the workers fork."""

import atexit
import os
import shutil
import tempfile
from typing import Optional, Tuple

_folder: Optional[Tuple[int, str]] = None  # (pid of the process that made it, path)


def server_folder(*parts: str) -> str:
    """A folder the serving process and every worker forked from it share (metrics, warm workers, the web demo's
    port), made on first use: by gunicorn's master before it forks its workers, by a one-process server only when
    it needs one (so a server that needs none leaves nothing behind, even killed). Removed when the process that
    made it exits. ``parts`` name a subfolder, made on first use."""
    global _folder
    if _folder is None:
        _folder = (os.getpid(), tempfile.mkdtemp(prefix="ocr-hubserving-"))
        atexit.register(_remove_folder)
    path = os.path.join(_folder[1], *parts)
    os.makedirs(path, exist_ok=True)
    return path


def _remove_folder() -> None:
    if _folder is not None and os.getpid() == _folder[0]:  # forked workers run atexit too; the folder is the master's
        shutil.rmtree(_folder[1], ignore_errors=True)
