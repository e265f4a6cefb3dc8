"""What the four hub modules share: start-up, the in-process and HTTP entry points, and error wording.

A hub module (hubserving/<name>/module.py) subclasses ``OCRHubModule``, names its params.py, builds its stage in
``build`` and shapes its answer in ``answer``; everything else happens here. PaddleHub finds ``_initialize`` and
the ``@serving`` method through the class's bases.
"""

import contextlib
import dataclasses
import logging
import time
from typing import Any, Callable, Dict, Iterator, List, Mapping, Sequence

import numpy as np
from paddlehub.module.module import serving

from ..options import merge_params
from ..runtime import PredictorOptions
from ..runtime.deadline import DeadlinePassed, deadline
from ..runtime.timing import collect_timings, timed
from ..stages.geometry import region_json  # noqa: F401 (the hub modules import it from ocr_engine.serving)
from .demo import DEMO_MODULES, DemoLauncher, install_routes
from .documents import DocumentOptions, regroup, to_read
from .errors import EngineFailed, InputError, RequestTooLong
from .front import FRONT_OPTIONS
from .images import check_arrays, read_image_files
from .metrics import RequestRecord, count_lines, record
from .paddlex import APIOptions
from .process import allow_requests_of, configure_process, serve_through_front, warm_workers
from .request import InputLimits, check_count, parse_request
from .status import StatusOptions, start_status_server

log = logging.getLogger(__name__)

# The hub modules this process serves, by name, each added when it starts: the PaddleX API (``paddlex``) answers
# through ocr_system's.
SERVED_MODULES: Dict[str, "OCRHubModule"] = {}


class OCRHubModule:
    """Base of the hub modules: ``predict`` for Python callers, ``serving_method`` for ``hub serving``."""

    # This module's params.py: the values that differ from ocr_engine.options.DEFAULTS for it alone.
    read_params: Callable[[], Mapping[str, Any]] = staticmethod(dict)
    # The module's name, which PaddleHub's @moduleinfo sets on each hub module's class.
    name: str = ""
    # Whether the module reads PDF documents page by page (its answer is a list per image), and whether a page's
    # text layer may answer in place of reading it (pdf_text_layer; only for modules that answer text).
    reads_documents: bool = False
    answers_text: bool = False

    def _initialize(self, **init_args: Any) -> None:
        """PaddleHub's start-up hook, called with config.json's ``init_args`` (or ``hub.Module``'s keywords).

        Options are DEFAULTS, then params.py, then ``init_args``; an unknown name stops start-up. The device is
        resolved once, here, for every stage the module builds.
        """
        configure_process()
        params = merge_params(self.read_params(), init_args)
        self.limits = InputLimits.from_params(params)
        allow_requests_of(self.limits.request_timeout)
        warm_workers()
        given = set(self.read_params()) | set(init_args)
        serve_through_front({name: params[name] for name in FRONT_OPTIONS if name in given}, SERVED_MODULES)
        status = StatusOptions.from_params(params)
        if status.metrics_port is not None:
            start_status_server(status.metrics_port)
        self.runtime = PredictorOptions.from_params(params)
        self.documents = DocumentOptions.from_params(params) if self.reads_documents else None
        if self.documents and not self.answers_text:
            self.documents = dataclasses.replace(self.documents, pdf_text_layer=False)
        self.visualize = APIOptions.from_params(params).visualize
        self.build(params, self.runtime)
        if self.name:
            DEMO_MODULES.add(self.name)
            SERVED_MODULES[self.name] = self

    def build(self, params: Dict[str, Any], runtime: PredictorOptions) -> None:
        """Build the module's stage from the merged options; every stage runs as ``runtime`` says."""
        raise NotImplementedError

    def answer(self, images: List[np.ndarray]) -> list:
        """Answer for decoded BGR images, in the upstream shape of this module."""
        raise NotImplementedError

    def predict(self, images: Sequence[np.ndarray] = (), paths: Sequence[str] = ()) -> list:
        """In-process API: BGR uint8 arrays, or image file paths, in; the module's answer out. The limits of an
        HTTP request apply: images per call, bytes per file, pixels per image."""
        if isinstance(images, np.ndarray) or isinstance(paths, str):
            raise InputError("images and paths take lists: predict(images=[array]) or predict(paths=[path])")
        if len(images) and len(paths):
            raise InputError("give images or paths, not both")
        if not len(images) and not len(paths):
            raise InputError("no image given: pass images=[...] or paths=[...]")
        check_count(len(images) or len(paths), self.limits)
        if len(images):
            arrays = check_arrays(images, self.limits.max_image_pixels)
        else:
            arrays = read_image_files(paths, self.limits.max_image_bytes, self.limits.max_image_pixels)
        with self.in_time(len(arrays)):
            return self.answer(arrays)

    @contextlib.contextmanager
    def in_time(self, count: int) -> Iterator[None]:
        """Within the block, the request is stopped with InputError once it runs past ``request_timeout`` (checked
        before each model run and each PDF page, see runtime.deadline); ``count`` is how many images it holds."""
        try:
            with deadline(self.limits.request_timeout):
                yield
        except DeadlinePassed as passed:
            raise RequestTooLong(
                "the request was stopped after %g s, the most one request may take (request_timeout), before its "
                "%d image(s) were read: send fewer or smaller images per request, or raise request_timeout in "
                "config.json's init_args" % (passed.seconds, count)
            ) from None

    def create_gradio_app(self) -> DemoLauncher:
        """PaddleHub's web page hook, called on ``GET /gradio/<module>`` in the process that got it: the web demo
        (``demo``), whose page reads images through this module as ``/predict/<module>`` does."""
        from flask import current_app, has_request_context

        if has_request_context():  # one process serves: this is the first moment its Flask app can be reached
            install_routes(current_app._get_current_object())
        return DemoLauncher(self.name, self.documents.pdf_dpi if self.documents else None)

    @serving
    def serving_method(self, /, **arguments: Any) -> list:
        """HTTP entry point: ``{"images": [base64, ...]}`` in, the module's answer out.

        Input problems raise InputError with a sentence for the client. Anything else is logged in full on the
        server and reported to the client without internals: PaddleHub sends an exception's text as ``msg``.
        ``self`` is positional-only so that a JSON key named "self" is refused as unknown, like any other.
        """
        entry = RequestRecord(self.name)
        sent = arguments.get("images")
        entry.images = len(sent) if isinstance(sent, list) else 0
        with self.answering(entry):
            with timed("decode"):
                inputs = parse_request(arguments, self.limits, self.runtime.use_gpu, self.documents, self.name)
            images = to_read(inputs)
            entry.pixels = sum(image.shape[0] * image.shape[1] for image in images)
            answer = self.answer(images)
            if self.documents:  # ocr_rec and ocr_cls answer one list for all images, not one per image
                answer = regroup(inputs, answer)
            entry.lines = count_lines(answer)
        return answer

    @contextlib.contextmanager
    def answering(self, entry: RequestRecord) -> Iterator[None]:
        """Around one HTTP request (of ``entry.images`` images): its stage timings, its deadline, and its outcome
        in ``entry``, logged and counted at the end (``metrics.record``). InputError passes through; any other
        error is logged in full here and raised again as EngineFailed, which holds no internals."""
        started = time.perf_counter()
        try:
            with collect_timings() as entry.stages, self.in_time(entry.images):
                yield
            entry.outcome = "ok"
        except InputError as refused:
            entry.outcome, entry.reason = "refused", str(refused)
            raise
        except Exception:
            log.exception("prediction failed")
            raise EngineFailed("the server failed to process the images; the cause is in the server log") from None
        finally:
            entry.seconds = time.perf_counter() - started
            record(entry)

