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


# A worker's first request also loads its models (preload false), and the last model run may start just before
# the deadline: the time gunicorn waits beyond request_timeout before it calls a worker silent.
WORKER_TIMEOUT_MARGIN = 120


def allow_requests_of(seconds: int) -> None:
    """Make gunicorn's worker timeout at least ``seconds`` + WORKER_TIMEOUT_MARGIN.

    PaddleHub starts gunicorn (``use_multiprocess``) with only bind and workers, so gunicorn's 30 s default would
    kill a sync worker in the middle of any longer request and answer an HTML 500. Hub modules are built in the
    master before PaddleHub creates gunicorn's configuration, which takes each setting's default then: raising
    the default here is the one way to reach it from ``hub serving start``. Our own deadline
    (``request_timeout``) then ends a request in a sentence well before the worker would be killed.
    """
    try:
        import gunicorn.config
    except ImportError:  # PaddleHub installs gunicorn everywhere but on Windows, where it serves with Flask alone
        return
    wanted = int(seconds) + WORKER_TIMEOUT_MARGIN
    if gunicorn.config.Timeout.default < wanted:
        gunicorn.config.Timeout.default = wanted
        logging.getLogger("ocr_engine").info(
            "gunicorn worker timeout (if gunicorn serves) set to %d s: request_timeout %d s + %d s for a cold "
            "worker", wanted, seconds, WORKER_TIMEOUT_MARGIN)
