"""What a file is, told from its bytes or its name: the one place the engine, the client and the drawing look.
Standard library only, so that the client (tools/test_hubserving.py) and ``ocr_view`` import it without paddle."""

from typing import Optional

# The files the client sends from a folder, and the tests and tools read as photos.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".gif", ".webp")
DOCUMENT_EXTENSIONS = (".pdf",)

_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"<svg", "an SVG drawing"),
    (b"<?xml", "an XML document"),
]


def is_pdf(data: bytes) -> bool:
    """Whether a file's bytes are a PDF document: its header, anywhere in the first 1024 bytes, as readers allow."""
    return b"%PDF-" in data[:1024]


def sniff_format(raw: bytes) -> Optional[str]:
    """Name the format the first bytes announce, or None; WebP and HEIC/AVIF carry their name at offset 4 or 8."""
    if is_pdf(raw):
        return "a PDF document"
    head = raw[:16].lstrip()
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "WEBP"
    if raw[4:8] == b"ftyp":
        brand = raw[8:12].decode("ascii", "replace").strip()
        return "a HEIC/AVIF image (brand %s)" % brand
    return None
