"""Settings that belong to a whole serving process, applied when its first hub module starts, never on import:
a program that imports the engine keeps its own logging and its own Pillow limits."""

import logging
import threading

from PIL import Image

_configured = threading.Event()


def configure_process() -> None:
    """Make the process ready to serve; later calls do nothing.

    - Pillow's decompression-bomb guard is turned off: ``max_image_pixels`` is checked from each image's header
      before decoding, and names itself in the error, where Pillow would refuse first in its own words.
    - The engine's own log lines (which models load, what failed on a request) are shown at INFO. They go
      through the root logger's handlers when it has some (paddle installs one), else through a handler of ours.
    """
    if _configured.is_set():
        return
    Image.MAX_IMAGE_PIXELS = None
    log = logging.getLogger("ocr_engine")
    log.setLevel(logging.INFO)
    if not logging.getLogger().handlers and not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s] [%(levelname)s] %(name)s: %(message)s"))
        log.addHandler(handler)
    _configured.set()
