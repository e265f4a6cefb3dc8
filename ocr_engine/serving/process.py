"""Settings that belong to a whole serving process, applied when its first hub module starts, never on import:
a program that imports the engine keeps its own logging and its own Pillow limits."""

import logging
import os
import sys
import threading
import time
from typing import Any, Callable, Dict, Mapping, Optional

from PIL import Image

from ..runtime import warm_up_all
from . import app as service_app
from . import front, status
from .access import Guard
from .front import FrontOptions
from .jobs import JobOptions, start_job_runner
from .logs import escape_log_records
from .shared import server_folder

_configured = threading.Event()


def configure_process() -> None:
    """Make the process ready to serve; later calls do nothing.

    - Pillow's decompression-bomb guard is turned off: ``max_image_pixels`` is checked from each image's header
      before decoding, and names itself in the error, where Pillow would refuse first in its own words.
    - The engine's own log lines (which models load, what failed on a request) are shown at INFO. They go
      through the root logger's handlers when it has some (paddle installs one), else through a handler of ours.
    - Every log message is made printable (``logs``): what a client sent cannot start a log line.
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
    escape_log_records()
    _configured.set()


# The time gunicorn waits beyond request_timeout before it calls a worker silent, and gives a stopping worker to
# finish: the last model run may start just before the deadline.
WORKER_TIMEOUT_MARGIN = 120


def allow_requests_of(seconds: int) -> None:
    """Make gunicorn's worker timeout and graceful stop at least ``seconds`` + WORKER_TIMEOUT_MARGIN.

    PaddleHub starts gunicorn (``use_multiprocess``) with only bind and workers, so gunicorn's 30 s defaults would
    kill a sync worker in the middle of any longer request and answer an HTML 500, and cut a longer request short
    on SIGTERM. Hub modules are built in the master before PaddleHub creates gunicorn's configuration, which takes
    each setting's default then: raising the default here is the one way to reach it from ``hub serving start``.
    Our own deadline (``request_timeout``) then ends a request in a sentence well before the worker would be killed.
    """
    gunicorn_config = _gunicorn_config()
    if gunicorn_config is None:
        return
    wanted = int(seconds) + WORKER_TIMEOUT_MARGIN
    if gunicorn_config.Timeout.default < wanted:
        gunicorn_config.Timeout.default = wanted
        gunicorn_config.GracefulTimeout.default = wanted
        logging.getLogger("ocr_engine").info(
            "gunicorn worker timeout and graceful stop (if gunicorn serves) set to %d s: request_timeout %d s + "
            "%d s", wanted, seconds, WORKER_TIMEOUT_MARGIN)


def warm_workers() -> None:
    """Have every gunicorn worker load and run all its models before it takes a request (``warm_worker``), and
    tell the status server about the master and its workers. Set as gunicorn's hook defaults, for the reason
    ``allow_requests_of`` gives; the master itself still loads nothing."""
    gunicorn_config = _gunicorn_config()
    if gunicorn_config is None:
        return
    gunicorn_config.OnStarting.default = staticmethod(_master_starting)
    gunicorn_config.PostWorkerInit.default = staticmethod(warm_worker)
    gunicorn_config.ChildExit.default = staticmethod(lambda arbiter, worker: status.worker_gone(worker.pid))


def _master_starting(arbiter: Any) -> None:
    server_folder()  # made here, before the workers fork, so that they all share the master's
    status.gunicorn_started(arbiter)


def warm_worker(worker: Any = None) -> None:
    """Load and run every model this process's modules use, start its job runner, then report the worker warm.
    gunicorn calls this in each new worker before its first accept; a model that cannot run stops the worker, and
    gunicorn the server, with the reason in the log."""
    started = time.perf_counter()
    models = warm_up_all()
    logging.getLogger("ocr_engine").info(
        "worker %d warm: %d model(s) loaded and run in %.1f s", os.getpid(), models, time.perf_counter() - started)
    if "modules" in _serving:
        start_job_runner(_serving["modules"], _serving["jobs"])
    status.worker_warm()


def serve_through_front(options: FrontOptions, modules: Mapping[str, Any], guard: Guard,
                        jobs: Callable[[], JobOptions]) -> None:
    """Have ``hub serving start`` serve the one app (``app``: PaddleX's API, the web demo and the JSON body check in
    front of PaddleHub's routes) through the buffering front (``front``), unless ``options.http_front`` is
    paddlehub.

    PaddleHub builds its Flask app with ``app_compat.create_app``, for one process and for gunicorn alike, after
    the modules: wrapping it reaches every app it makes. gunicorn's worker class default becomes
    ``gunicorn_worker.FrontWorker``, the setting PaddleHub leaves to its default as it does the timeouts above, and
    PaddleHub's one-process ``run`` serves with the front in place of Flask's development server. Only in the
    process of ``hub serving start``: a program that builds a module keeps its own servers. ``modules`` is the
    process's served modules by name, which the routes answer through, ``guard`` who may use them, and ``jobs`` the
    job API's options. Each
    module's start decides again, so a later module that sets ``http_front`` wins."""
    if not _is_serving_start():
        return
    from paddlehub.serving import app_compat

    # What the one-process server serves with, as of this module, and what a serving process reads jobs with.
    _serving.update(front=options, guard=guard, modules=modules, jobs=jobs)
    if not _originals:
        _originals.update(create_app=app_compat.create_app, run=app_compat.run)
        app_compat.create_app = _built(_originals["create_app"], modules, guard, jobs)
    buffered = options.http_front == "buffered"
    gunicorn_config = _gunicorn_config()
    if gunicorn_config is not None:
        gunicorn_config.WorkerClass.default = "ocr_engine.serving.gunicorn_worker.FrontWorker" if buffered else "sync"
    app_compat.run = _run_one_process if buffered else _originals["run"]


def _built(create_app: Any, modules: Mapping[str, Any], guard: Guard, jobs: Callable[[], JobOptions]) -> Any:
    def create_app_built(*args: Any, **kwargs: Any) -> Any:
        return service_app.build(create_app(*args, **kwargs), modules, guard, jobs)

    return create_app_built


# PaddleHub's own create_app and run, before they were wrapped; the front's options and the guard, as the last
# module to start set them.
_originals: Dict[str, Any] = {}
_serving: Dict[str, Any] = {}


ZMQ_REFUSED = ("this package does not serve in PaddleHub's zmq mode (use_gpu true at the top level of config.json, or "
               "--use_gpu), whose server would answer without the API keys, limits and front: set use_gpu in each "
               "module's init_args instead and remove it from the top level")


def refuse_zmq_mode() -> None:
    """In ``hub serving start``'s zmq mode, log ``ZMQ_REFUSED`` and end the whole server: its HTTP process is
    PaddleHub's own, which nothing here wraps, and the module starting here is in one of its workers (PaddleHub's
    ``serving/worker.py``, started by ``hub serving start``)."""
    if not sys.argv[0].endswith(os.path.join("paddlehub", "serving", "worker.py")):
        return
    import psutil

    logging.getLogger("ocr_engine").error(ZMQ_REFUSED)
    me = psutil.Process()
    top = me
    while top.parent() is not None and _is_hub_serving(top.parent()):  # the `hub serving start` that started it
        top = top.parent()
    for process in top.children(recursive=True) + [top]:
        if process.pid != me.pid:
            try:
                process.terminate()
            except psutil.Error:
                pass
    os._exit(2)


def _is_hub_serving(process: Any) -> bool:
    try:
        command = process.cmdline()
    except Exception:  # noqa: BLE001 - psutil's errors: gone, or not ours to read
        return False
    return any(os.path.basename(part) == "hub" for part in command[:2]) and "serving" in command


def _is_serving_start() -> bool:
    return os.path.basename(sys.argv[0]) == "hub" and sys.argv[1:3] == ["serving", "start"]


def _run_one_process(configs: Optional[dict] = None, port: int = 8866) -> None:
    """PaddleHub's one-process ``app_compat.run``, serving its app through the front."""
    from paddlehub.serving import app_compat

    if configs is None:
        raise ValueError("hub serving start found no module configuration to serve")
    app_compat.config_with_file(configs)
    app = app_compat.create_app(init_flag=True)
    start_job_runner(_serving["modules"], _serving["jobs"])
    front.serve(app, _serving["front"], "0.0.0.0", port, _serving["guard"])


def _gunicorn_config():
    try:
        import gunicorn.config
    except ImportError:  # PaddleHub installs gunicorn everywhere but on Windows, where it serves with Flask alone
        return None
    return gunicorn.config
