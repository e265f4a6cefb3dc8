"""PDF documents in a request: recognised by their content, each page rendered with PDFium (pypdfium2) at
``pdf_dpi`` and read like an image, or, with ``pdf_text_layer``, answered from the text the page already holds.

Every problem is an InputError naming the input ("image 2 of 3") and, where it is one page, the page.
"""

import math
import threading
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

import numpy as np

from ..runtime.deadline import check_deadline
from ..runtime.timing import timed
from ..stages.geometry import line_order
from .errors import InputError
from .images import describe_size

POINTS_PER_INCH = 72
# PDFium keeps global state and is not safe to call from two threads at once (the web demo's thread, say).
_pdfium = threading.Lock()


@dataclass(frozen=True)
class DocumentOptions:
    """How PDF pages are turned into what the engine reads (options of the same names)."""

    pdf_dpi: int
    pdf_text_layer: bool


@dataclass
class Page:
    """One page: its image to read, or (text layer) its boxes already read; ``scale`` is pixels per point."""

    image: Optional[np.ndarray]
    boxes: Optional[List[dict]]
    scale: float
    size: Tuple[int, int] = (0, 0)  # (width, height) of the rendered page, in the pixels of its boxes


class PdfInput:
    """A PDF file a client sent, opened (its pages counted) but not yet rendered."""

    def __init__(self, raw: bytes, label: str):
        import pypdfium2

        self.label = label
        with _pdfium:
            try:
                self.document = pypdfium2.PdfDocument(raw)
            except pypdfium2.PdfiumError:
                # Told from the file, not from PDFium's error code, which is left over from an earlier failure when
                # PDFium sets none (as for an empty page tree).
                if b"/Encrypt" in raw:
                    raise InputError("%s: is a password-protected PDF document; send it without a password"
                                     % label) from None
                raise InputError("%s: is a PDF document that cannot be read (truncated, corrupt or without pages, "
                                 "%s)" % (label, describe_size(len(raw)))) from None
            self.pages = len(self.document)
        if self.pages == 0:
            self.close()
            raise InputError("%s: is a PDF document with no pages" % label)

    def pixels(self, options: DocumentOptions, max_pixels: int) -> int:
        """The pixels of every page as ``render`` would render them, from the pages' sizes alone."""
        total = 0
        with _pdfium:
            for index in range(self.pages):
                width, height = self.document[index].get_size()
                scale = page_scale(width, height, options.pdf_dpi, max_pixels)
                total += round(width * scale) * round(height * scale)
        return total

    def render(self, options: DocumentOptions, max_pixels: int) -> List[Page]:
        """Every page, in order: rendered at ``pdf_dpi`` (smaller when that would pass ``max_pixels``), or from its
        text layer when ``pdf_text_layer`` is on and the page has one. The request's deadline is checked before
        each page."""
        pages = []
        for number in range(1, self.pages + 1):
            check_deadline()
            with timed("render"), _pdfium:
                pages.append(self._page(number, options, max_pixels))
        return pages

    def _page(self, number: int, options: DocumentOptions, max_pixels: int) -> Page:
        page = self.document[number - 1]
        # The page's own box: PDFium would render an empty one as a Letter page, which the client never drew.
        declared = page.get_mediabox(fallback_ok=False)
        if declared is not None and not (declared[2] - declared[0] > 0 and declared[3] - declared[1] > 0):
            raise InputError("%s: page %d of the PDF has no size (its MediaBox is %s)"
                             % (self.label, number, " ".join("%g" % v for v in declared)))
        width, height = page.get_size()
        scale = page_scale(width, height, options.pdf_dpi, max_pixels)
        if options.pdf_text_layer and not mostly_image(page, width * height):
            boxes = text_layer_boxes(page, height, scale)
            if boxes:
                return Page(None, boxes, scale, (round(width * scale), round(height * scale)))
        try:
            rgb = np.asarray(page.render(scale=scale).to_pil().convert("RGB"))
        except Exception:
            raise InputError("%s: page %d of the PDF cannot be rendered" % (self.label, number)) from None
        return Page(np.ascontiguousarray(rgb[:, :, ::-1]), None, scale, (rgb.shape[1], rgb.shape[0]))

    def page_file(self, number: int) -> bytes:
        """Page ``number`` (1 = the first) as a PDF file of its own: what a job reads of one page."""
        import io

        import pypdfium2

        with _pdfium:
            single = pypdfium2.PdfDocument.new()
            try:
                single.import_pages(self.document, [number - 1])
                out = io.BytesIO()
                single.save(out)
            finally:
                single.close()
        return out.getvalue()

    def close(self) -> None:
        with _pdfium:
            self.document.close()


def page_scale(width_pt: float, height_pt: float, dpi: int, max_pixels: int) -> float:
    """Pixels per point for a page of that size: ``dpi`` / 72, lowered until the page fits in ``max_pixels``."""
    scale = dpi / POINTS_PER_INCH
    if width_pt * height_pt * scale * scale > max_pixels:
        scale = math.sqrt(max_pixels / (width_pt * height_pt)) * 0.999
    return scale


def mostly_image(page: Any, area_pt: float) -> bool:
    """Whether images cover half the page or more: a scan, whose text layer (if any, an earlier OCR's) may hold
    only part of what the page shows, so the page is read instead."""
    import pypdfium2.raw

    covered = 0.0
    for image in page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]):
        left, bottom, right, top = image.get_bounds()
        covered += max(0.0, right - left) * max(0.0, top - bottom)
    return covered >= 0.5 * area_pt


def text_layer_boxes(page: Any, height_pt: float, scale: float) -> List[dict]:
    """The lines a page's text layer holds, in reading order, as the answer's boxes in pixels at ``scale``:
    ``text``, ``confidence`` 1.0, ``text_region`` and ``"source": "pdf_text"``. Empty when it holds no text."""
    textpage = page.get_textpage()
    texts = {}  # id of each line's quad -> its text; line_order returns the same arrays, reordered
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        text = textpage.get_text_bounded(left, bottom, right, top).strip()
        if text:
            x0, x1 = left * scale, right * scale
            y0, y1 = (height_pt - top) * scale, (height_pt - bottom) * scale
            quad = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
            texts[id(quad)] = (quad, text)
    textpage.close()
    return [{"text": texts[id(quad)][1], "confidence": 1.0,
             "text_region": np.rint(quad).astype(np.int32).tolist(), "source": "pdf_text"}
            for quad in line_order([quad for quad, _ in texts.values()])]
