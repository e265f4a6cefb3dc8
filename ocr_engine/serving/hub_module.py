"""What the hub modules share: their options read at start-up, the in-process entry point, and
``/predict/<module>``'s translation to and from the service (``service``).

A hub module (hubserving/<name>/module.py) subclasses ``OCRHubModule``, names its params.py, says what it answers
(``answers``: ``LINES``, ``BOXES``, ``LABELS`` or ``PAGES``), builds its stage in ``build`` and gives one
upstream-shaped entry per image in ``answer``; everything else happens here. PaddleHub finds ``_initialize`` and the
``@serving`` method through the class's bases.
"""

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Sequence

import numpy as np
from paddlehub.module.module import serving

from ..options import merge_params, read_view
from ..runtime import PredictorOptions, runtime_options
from ..stages.geometry import region_json  # noqa: F401 (the hub modules import it from ocr_engine.serving)
from .demo import DemoLauncher
from .errors import InputError
from .images import check_arrays, read_image_files
from .metrics import count_entry
from .paddlex import APIOptions
from .pdf import DocumentOptions
from .sent import InputLimits, check_count, predict_files
from .server import SERVER
from .service import FileAnswer, Service

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answers:
    """What a hub module answers, which decides how its files are read and its answer shaped: whether it reads PDF
    documents page by page, whether a page's text layer may answer in place of reading it (``pdf_text_layer``: for
    answers of text), whether its answer is one list holding every image's entry (upstream's ocr_rec and ocr_cls),
    whether an entry is one page's dict (a PDF's entry is then its pages' list), and whether the web demo has a page
    for it (it draws lines and boxes)."""

    documents: bool
    text_layer: bool
    one_list: bool
    page_entries: bool
    demo_page: bool


LINES = Answers(documents=True, text_layer=True, one_list=False, page_entries=False, demo_page=True)  # ocr_system
BOXES = Answers(documents=True, text_layer=False, one_list=False, page_entries=False, demo_page=True)  # ocr_det
LABELS = Answers(documents=False, text_layer=False, one_list=True, page_entries=False, demo_page=True)  # rec, cls
PAGES = Answers(documents=True, text_layer=False, one_list=False, page_entries=True, demo_page=False)  # structure


class OCRHubModule:
    """Base of the hub modules: ``predict`` for Python callers, ``serving_method`` for ``hub serving``."""

    # This module's params.py: the values that differ from ocr_engine.options.DEFAULTS for it alone.
    read_params: Callable[[], Mapping[str, Any]] = staticmethod(dict)
    # The module's name, which PaddleHub's @moduleinfo sets on each hub module's class.
    name: str = ""
    answers: Answers = LINES  # what ocr_system answers; each hub module says what it answers

    def _initialize(self, **init_args: Any) -> None:
        """PaddleHub's start-up hook, called with config.json's ``init_args`` (or ``hub.Module``'s keywords).

        Options are DEFAULTS, then params.py, then ``init_args``; an unknown name stops start-up. The device is
        resolved once, here, for every stage the module builds.
        """
        params = merge_params(self.read_params(), init_args)
        SERVER.join(params, set(self.read_params()) | set(init_args))  # the process, before any model loads
        self.limits = read_view(InputLimits, params)
        self.runtime = runtime_options(params)
        self.documents = read_view(DocumentOptions, params) if self.answers.documents else None
        if self.documents and not self.answers.text_layer:
            self.documents = dataclasses.replace(self.documents, pdf_text_layer=False)
        self.visualize = read_view(APIOptions, params).visualize
        self.service = Service(self.name, self.limits, self.documents)
        self.build(params, self.runtime)
        if self.name:
            SERVER.register(self.name, self)

    def build(self, params: Dict[str, Any], runtime: PredictorOptions) -> None:
        """Build the module's stage from the merged options; every stage runs as ``runtime`` says."""
        raise NotImplementedError

    def answer(self, images: List[np.ndarray]) -> list:
        """Answer for decoded BGR images: one entry per image, in the upstream shape of this module."""
        raise NotImplementedError

    def shaped(self, answers: Sequence[FileAnswer[Any]]) -> list:
        """The module's upstream answer for its files' answers: one entry per image; a PDF's boxes of all its
        pages in one entry, each marked with its ``page`` (1 = the first). ocr_rec and ocr_cls answer, as upstream,
        one list holding every image's entry (``LABELS``); a structure module's PDF gets the list of its pages'
        entries, each marked with its ``page`` (``PAGES``)."""
        entries = []
        for answer in answers:
            if not answer.file.pdf:
                entries.append(answer.answers[0])
                continue
            if self.answers.page_entries:
                entries.append([dict(found, page=number) for number, found in enumerate(answer.answers, 1)
                                if found is not None])  # such modules read every page from its image
                continue
            boxes: List[dict] = []
            for number, (page, found) in enumerate(zip(answer.file.pages, answer.answers), 1):
                boxes.extend(dict(box, page=number) for box in (page.boxes or [] if found is None else found))
            entries.append(boxes)
        return [entries] if self.answers.one_list else entries

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
        with self.service.in_time(len(arrays)):
            entries = self.answer(arrays)
        return [entries] if self.answers.one_list else entries

    def create_gradio_app(self) -> DemoLauncher:
        """PaddleHub's web page hook, called on ``GET /gradio/<module>`` in the process that got it: the web demo
        (``demo``), whose page reads images through this module as ``/predict/<module>`` does."""
        unavailable = None if self.answers.demo_page else (
            "The web demo shows the OCR modules (ocr_system, ocr_det, ocr_rec, ocr_cls). %s answers POST "
            "/predict/%s; a page as Markdown: POST /layout-parsing." % (self.name, self.name))
        return DemoLauncher(self.name, self.documents.pdf_dpi if self.documents else None, unavailable)

    @serving
    def serving_method(self, /, **arguments: Any) -> list:
        """HTTP entry point: ``{"images": [base64, ...]}`` in, the module's answer out, through the service.

        Input problems raise InputError with a sentence for the client; anything else reaches the client without
        internals (``service``), since PaddleHub sends an exception's text as ``msg``. ``self`` is positional-only so
        that a JSON key named "self" is refused as unknown, like any other.
        """
        sent = arguments.get("images")
        with self.service.request(len(sent) if isinstance(sent, list) else 0) as request:
            files = request.decode(predict_files(arguments, self.runtime.use_gpu))
            return self.shaped(request.read(files, self.answer, count_entry))


class StructureHubModule(OCRHubModule):
    """Base of the structure modules: one dict per image in upstream's shape; a PDF read page by page, its entry
    the list of its pages' dicts; no web demo page (it draws OCR lines)."""

    answers = PAGES
