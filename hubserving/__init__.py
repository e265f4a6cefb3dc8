"""PaddleHub module folders: `hub install hubserving/<name>/` copies one into HUB_HOME. Standard library only:
setup.py, the Makefile and testkit ask ``module_names`` which modules there are."""

import os
from typing import List

FOLDER = os.path.dirname(os.path.abspath(__file__))


def module_names() -> List[str]:
    """The hub modules, sorted: every folder here that holds a module.py."""
    return sorted(name for name in os.listdir(FOLDER) if os.path.isfile(os.path.join(FOLDER, name, "module.py")))
