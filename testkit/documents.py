"""PDF documents made for the tests and tools: photos as pages (a scan), real vector text with embedded fonts
(born-digital, with reportlab), and the broken kinds a server must answer in a sentence."""

import io
from typing import List, Optional, Sequence

from PIL import Image

# Handwritten, so that the page tree is exactly what a test needs.
_ONE_PAGE = (b"%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
             b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
             b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [%s] >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n")


def photos_pdf(paths: Sequence[str], dpi: int = 200) -> bytes:
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
