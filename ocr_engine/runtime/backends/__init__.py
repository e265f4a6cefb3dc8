"""The inference engines, one file each behind ``predictor.Backend``, looked up by the ``backend`` option's name.

A backend's module is imported when it is first asked for, so a process on Paddle never imports OpenVINO.
"""

import importlib
from typing import Dict

from ..predictor import Backend

# name -> (module, class): the one list of backends.
_KNOWN = {"paddle": ("paddle", "PaddleBackend"), "openvino": ("openvino", "OpenVINOBackend")}
NAMES = tuple(_KNOWN)
_made: Dict[str, Backend] = {}


def backend(name: str) -> Backend:
    """The backend called ``name``; ValueError names the known ones."""
    if name not in _KNOWN:
        raise ValueError("backend must be %s, not %r" % (" or ".join(NAMES), name))
    if name not in _made:
        module, cls = _KNOWN[name]
        _made[name] = getattr(importlib.import_module("." + module, __name__), cls)()
    return _made[name]
