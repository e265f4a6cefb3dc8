"""One service in front of the engine: what every endpoint's request goes through, in one place.

An endpoint (``/predict/<module>`` in ``hub_module``, PaddleX's in ``paddlex.ocr`` and its siblings) translates its wire
shape into the service's typed calls and the typed answer back into its wire shape; nothing else. The service owns
what lies between::

    with service.request(sent=2) as request:                  # the deadline, the record, the errors
        files = request.decode([SentFile(...), ...])          # base64, what each file is (image or PDF), limits
        answers = request.read(files, engine_call, lines)     # the engine on every image and PDF page

A refusal is an InputError with one sentence for the client; anything else the engine raises is logged in full
here and raised again as EngineFailed, which holds no internals. Every request is timed, logged in one line and
counted (``metrics``), refused or not.
"""

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Generic, Iterator, List, Optional, Sequence, TypeVar

import numpy as np

from ..formats import is_pdf, sniff_format
from ..runtime.deadline import DeadlinePassed, deadline
from ..runtime.timing import collect_timings, timed
from . import envelopes
from .errors import EngineFailed, InputError, RequestTooLong
from .images import decode_image_bytes, describe_size, header_pixels
from .metrics import RequestRecord, record
from .pdf import DocumentOptions, Page, PdfInput
from .sent import InputLimits, SentFile, check_count, check_pages, check_request_pixels, file_bytes

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class DecodedFile:
    """A file decoded: its pages (one for an image), each with its image to read or, from a PDF's text layer
    (``pdf_text_layer``), the boxes it already holds."""

    label: str
    pdf: bool
    pages: List[Page]


@dataclass
class FileAnswer(Generic[T]):
    """One file's answer: its pages, and for each what the engine answered for its image (None for a page answered
    from its text layer, whose ``boxes`` are the answer)."""

    file: DecodedFile
    answers: List[Optional[T]] = field(default_factory=list)


class Request:
    """One request inside the service (``Service.request``): decode its files, then read them."""

    def __init__(self, service: "Service", entry: RequestRecord):
        self.service = service
        self.entry = entry

    def decode(self, files: Sequence[SentFile]) -> List[DecodedFile]:
        """Each file decoded, in order, within the limits: an image, or (for a module that reads documents) a PDF's
        pages, every page counting as one image toward ``max_images_per_request``. What a file is is told from its
        bytes, once, here; a ``declared`` kind that disagrees is refused, naming both."""
        limits, documents = self.service.limits, self.service.documents
        check_count(len(files), limits)
        with timed("decode"):
            raws = [file_bytes(sent.data, sent.label, limits.max_image_bytes) for sent in files]
            pdfs = {}
            try:
                for i, (sent, raw) in enumerate(zip(files, raws)):
                    if self._is_pdf(sent, raw):
                        pdfs[i] = PdfInput(raw, sent.label)
                check_pages(len(files), {files[i].label: pdf.pages for i, pdf in pdfs.items()}, limits)
                check_request_pixels(sum(self._pixels(raw, pdfs.get(i)) for i, raw in enumerate(raws)), limits)
                decoded = []
                for i, (sent, raw) in enumerate(zip(files, raws)):
                    if i in pdfs:
                        assert documents is not None  # _is_pdf refused PDFs where no documents are read
                        pages = pdfs[i].render(documents, limits.max_image_pixels)
                    else:
                        image = decode_image_bytes(raw, sent.label, limits.max_image_pixels)
                        pages = [Page(image, None, 1.0, (image.shape[1], image.shape[0]))]
                    decoded.append(DecodedFile(sent.label, i in pdfs, pages))
            finally:
                for pdf in pdfs.values():
                    pdf.close()
        pages = [page for item in decoded for page in item.pages]
        self.entry.images = len(pages)
        self.entry.pixels = sum(page.image.shape[0] * page.image.shape[1] for page in pages if page.image is not None)
        return decoded

    def _pixels(self, raw: bytes, pdf: Optional[PdfInput]) -> int:
        """What a file will hold decoded, from its header or its pages' sizes; an image over ``max_image_pixels``
        counts none here, as decoding refuses it in a sentence of its own."""
        limits, documents = self.service.limits, self.service.documents
        if pdf is not None and documents is not None:
            return pdf.pixels(documents, limits.max_image_pixels)
        pixels = header_pixels(raw)
        return pixels if pixels <= limits.max_image_pixels else 0

    def _is_pdf(self, sent: SentFile, raw: bytes) -> bool:
        found = is_pdf(raw)
        declared = sent.declared
        if declared is not None and declared.pdf and not found:
            raise InputError("%s: %s, but the file is %s (%s): %s" % (
                sent.label, declared.words, sniff_format(raw) or "not a PDF", describe_size(len(raw)), declared.fix))
        if declared is not None and found and not declared.pdf:
            raise InputError("%s: is a PDF document, but %s: %s" % (sent.label, declared.words, declared.fix))
        if found and self.service.documents is None:
            raise InputError("%s: is a PDF document; %s reads images of single lines, send documents to ocr_system "
                             "(or ocr_det for the boxes alone)" % (sent.label, self.service.name))
        return found

    def read(self, files: Sequence[DecodedFile], engine: Callable[[List[np.ndarray]], List[T]],
             lines: Callable[[T], int]) -> List[FileAnswer[T]]:
        """Run ``engine`` once on every image of ``files`` (each image, each PDF page not answered from its text
        layer), and give each file its pages' answers; ``lines`` counts what one answer holds, for the record."""
        images = [page.image for item in files for page in item.pages if page.image is not None]
        results = iter(engine(images) if images else [])
        answers = []
        for item in files:
            answer: FileAnswer[T] = FileAnswer(item)
            for page in item.pages:
                found = next(results) if page.image is not None else None
                answer.answers.append(found)
                self.entry.lines += lines(found) if found is not None else len(page.boxes or [])
            answers.append(answer)
        return answers


class InFlight:
    """The requests clients wait on in this process, job pages not counted: a job runner takes no page while there
    is one, so a request waits for at most the one job page already being read (interactive first)."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()
        self._job_page = threading.local()

    @contextlib.contextmanager
    def job_page(self) -> Iterator[None]:
        """Around a job page's reading, on the runner's thread: its requests are not counted."""
        self._job_page.on = True
        try:
            yield
        finally:
            self._job_page.on = False

    @contextlib.contextmanager
    def request(self) -> Iterator[None]:
        if getattr(self._job_page, "on", False):
            yield
            return
        with self._lock:
            self._count += 1
        try:
            yield
        finally:
            with self._lock:
                self._count -= 1

    def busy(self) -> bool:
        """Whether a client's request is being read now."""
        return self._count > 0


# The process's requests in flight (one per process: gunicorn's workers each count their own).
IN_FLIGHT = InFlight()


class Service:
    """One hub module's engine as every endpoint reaches it: its name, its limits, and whether (and how) it reads
    PDF documents (``documents`` None: images only)."""

    def __init__(self, name: str, limits: InputLimits, documents: Optional[DocumentOptions]):
        self.name = name
        self.limits = limits
        self.documents = documents

    @contextlib.contextmanager
    def request(self, sent: int, api: str = "", what: str = "the images") -> Iterator[Request]:
        """Around one request of ``sent`` files, recorded under ``api`` (default: the module's name): its stage
        timings, its deadline, and its outcome, logged and counted at the end. InputError passes through; any other
        error is logged in full and raised again as EngineFailed, in a sentence naming ``what`` was being read."""
        entry = RequestRecord(api or self.name, images=sent)
        started = time.perf_counter()
        try:
            with IN_FLIGHT.request(), collect_timings() as entry.stages, self.in_time(sent):
                yield Request(self, entry)
            entry.outcome = "ok"
        except InputError as refused:
            entry.outcome, entry.reason = "refused", str(refused)
            raise
        except Exception:
            log.exception("prediction failed")
            raise EngineFailed(envelopes.engine_failed(what)) from None
        finally:
            entry.seconds = time.perf_counter() - started
            record(entry)

    @contextlib.contextmanager
    def in_time(self, count: int) -> Iterator[None]:
        """Within the block, the request is stopped with RequestTooLong once it runs past ``request_timeout``
        (checked before each model run and each PDF page, see runtime.deadline); ``count`` is how many images it
        holds."""
        try:
            with deadline(self.limits.request_timeout):
                yield
        except DeadlinePassed as passed:
            raise RequestTooLong(
                "the request was stopped after %g s, the most one request may take (request_timeout), before its "
                "%d image(s) were read: send fewer or smaller images per request, or raise request_timeout in "
                "config.json's init_args" % (passed.seconds, count)
            ) from None
