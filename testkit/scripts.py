"""The repository's scripts (``tools/*.py``, ``deploy/*.py``), loaded as modules for their tests by file path, so
that no test puts a folder of scripts on ``sys.path``."""

import importlib.util
import os
from types import ModuleType

from .server import REPO


def load(path: str) -> ModuleType:
    """The script at ``path`` (relative to the repository, e.g. ``tools/paddlex_reference.py``), imported once."""
    name = "script_" + os.path.splitext(path.replace(os.sep, "_"))[0]
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, path))
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
