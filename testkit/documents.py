"""PDF documents made for the tests and tools: photos as pages (a scan), real vector text with embedded fonts
(born-digital, with reportlab), and the broken kinds a server must answer in a sentence."""

import io
from typing import List, Optional, Sequence

from PIL import Image

from ocr_engine.options import DEFAULTS

# Handwritten, so that the page tree is exactly what a test needs.
_ONE_PAGE = (b"%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
             b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
             b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [%s] >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n")


def photos_pdf(paths: Sequence[str], dpi: int = DEFAULTS["pdf_dpi"]) -> bytes:
    """A PDF with each photo as one page, sized so that rendering at ``dpi`` (the server's default ``pdf_dpi``)
    gives back the photo's own pixels."""
    pages = [Image.open(path).convert("RGB") for path in paths]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi), quality=95)
    return out.getvalue()


def text_pdf(pages: Sequence[Sequence[str]], font_path: Optional[str] = None, size: float = 11,
             page_size=None) -> bytes:
    """A born-digital PDF: each page's lines as vector text, 1.6 x ``size`` apart from the top-left margin, in
    Helvetica, or in the TrueType font at ``font_path`` (embedded, for Chinese). A4 unless ``page_size`` (pt)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    width, height = page_size or A4
    font = "Helvetica"
    if font_path:
        font = "Embedded"
        pdfmetrics.registerFont(TTFont(font, font_path, subfontIndex=0))
    out = io.BytesIO()
    drawing = canvas.Canvas(out, pagesize=(width, height))
    for lines in pages:
        drawing.setFont(font, size)
        for i, line in enumerate(lines):
            drawing.drawString(56, height - 72 - i * size * 1.6, line)
        drawing.showPage()
    drawing.save()
    return out.getvalue()


def blank_pages_pdf(count: int, width: float = 200, height: float = 100) -> bytes:
    """A PDF of ``count`` empty pages."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    drawing = canvas.Canvas(out, pagesize=(width, height))
    for _ in range(count):
        drawing.showPage()
    drawing.save()
    return out.getvalue()


def bad_pdfs(good: bytes) -> List[tuple]:
    """(name, PDF bytes, the sentence's end after "image 1 of 1: ") for each broken kind."""
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    locked = canvas.Canvas(out, encrypt=pdfencrypt.StandardEncryption("secret", canPrint=1))
    locked.drawString(72, 700, "Confidential")
    locked.save()
    import pypdfium2

    empty = io.BytesIO()
    pypdfium2.PdfDocument.new().save(empty)
    return [
        ("truncated", good[: len(good) // 2], "is a PDF document that cannot be read (truncated, corrupt or without "
                                              "pages, "),
        ("encrypted", out.getvalue(), "is a password-protected PDF document; send it without a password"),
        ("no pages", empty.getvalue(), "is a PDF document that cannot be read (truncated, corrupt or without pages, "),
        ("zero-size page", _ONE_PAGE % b"0 0 0 0", "page 1 of the PDF has no size (its MediaBox is 0 0 0 0)"),
    ]


SAMPLE_WORDS = ("invoice total amount payment account customer reference delivery order number date due balance "
                "tax rate quantity price unit item description service period contract signature terms").split()


def sample_lines(count: int, seed: int, width: int = 10) -> List[str]:
    """``count`` lines of invoice-like words and an amount, the same for the same seed."""
    import random

    rng = random.Random(seed)
    return [" ".join([rng.choice(SAMPLE_WORDS).capitalize()] + [rng.choice(SAMPLE_WORDS) for _ in range(width - 1)])
            + " %d.%02d" % (rng.randint(1, 999), rng.randint(0, 99)) for _ in range(count)]


def sample_documents(photo_paths: Sequence[str] = ()) -> dict:
    """Name -> (PDF bytes, each page's lines or None for a scanned page): born-digital A4 at 10 pt (two pages) and
    Letter at 8 pt, a receipt, a slide, and the photos as scanned pages."""
    from reportlab.lib.pagesizes import A4, letter

    documents = {
        "A4 10pt, 2 pages": ([sample_lines(40, 1), sample_lines(40, 2)], dict(size=10, page_size=A4)),
        "Letter 8pt": ([sample_lines(50, 3)], dict(size=8, page_size=letter)),
        "receipt 80 mm 9pt": ([[line[:30] for line in sample_lines(30, 4)]], dict(size=9, page_size=(227, 576))),
        "slide 16:9 28pt": ([[line[:40] for line in sample_lines(6, 5)]], dict(size=28, page_size=(960, 540))),
    }
    made = {name: (text_pdf(pages, **style), pages) for name, (pages, style) in documents.items()}
    if photo_paths:
        made["photos as scanned pages"] = (photos_pdf(photo_paths), [None] * len(photo_paths))
    return made
