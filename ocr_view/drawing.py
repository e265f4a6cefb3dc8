"""Draw an OCR answer: every text region outlined and numbered on the image, and on a white panel beside it the
text at the same place, in a font that can draw Chinese when fontconfig knows one."""

import math
import os
import random
import subprocess
from typing import List, Optional, Sequence, Tuple

from ocr_engine.formats import is_pdf


def fontconfig(query: Sequence[str]) -> Optional[str]:
    """The first font file a fontconfig command (``fc-list``, ``fc-match``) names, or None: the one place fonts
    are looked up, for the drawing and the tests alike."""
    try:
        found = subprocess.run(list(query), capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    first = found.splitlines()[0].rstrip(":").strip() if found else ""
    return first if first and os.path.isfile(first) else None


def cjk_font() -> Optional[str]:
    """A font that draws Chinese, or None when the machine has none (`make fonts` installs one as root)."""
    return fontconfig(["fc-list", ":lang=zh", "file"])


def find_font(explicit: Optional[str] = None) -> Tuple[Optional[str], bool]:
    """(font path, whether it draws Chinese): the given font, else a CJK font fontconfig knows, else a sans
    font, else (None, False) for PIL's built-in font."""
    if explicit:
        return explicit, True
    if cjk_font():
        return cjk_font(), True
    return fontconfig(["fc-match", "-f", "%{file}", "sans"]), False


def load_font(font_path: Optional[str], size: int):
    """A PIL font of ``size`` px from ``font_path``, or PIL's built-in font."""
    from PIL import ImageFont

    if font_path:
        return ImageFont.truetype(font_path, size)
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow before 10.1 has only a small fixed-size bitmap font
        return ImageFont.load_default()


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds Chinese, Japanese or Korean characters (which PIL's own font cannot draw)."""
    return any("\u3000" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in text)


def draw_result(image, lines: List[dict], font_path: Optional[str]):
    """``image`` (a PIL image, upright) with each line's ``text_region`` outlined and numbered from 1 in answer
    order, and beside it a white panel with each line's text (if any) where it was read: a new RGB PIL image twice
    as wide. None when the lines have no regions (ocr_rec, ocr_cls answers)."""
    if not lines or "text_region" not in lines[0]:
        return None
    from PIL import Image, ImageDraw

    image = image.convert("RGB")
    boxes = image.copy()
    panel = Image.new("RGB", image.size, "white")
    draw_boxes, draw_panel = ImageDraw.Draw(boxes), ImageDraw.Draw(panel)
    rng = random.Random(0)
    label_font = load_font(font_path, max(14, min(image.size) // 25))
    for number, line in enumerate(lines, 1):
        region = [tuple(point) for point in line["text_region"]]
        colour = tuple(rng.randrange(200) for _ in range(3))
        draw_boxes.polygon(region, outline=colour, width=2)
        draw_panel.polygon(region, outline=colour, width=1)
        # The number on a filled tag just above the box's first corner, so it never hides the text inside.
        x, y = region[0]
        left, top, right, bottom = draw_boxes.textbbox((0, 0), str(number), font=label_font)
        tag_y = max(0, y - (bottom - top) - 4)
        draw_boxes.rectangle((x, tag_y, x + right - left + 4, tag_y + bottom - top + 4), fill=colour)
        draw_boxes.text((x + 2 - left, tag_y + 2 - top), str(number), fill="white", font=label_font)
        if "text" in line:
            height = max(10, int(math.dist(region[0], region[3])))
            font = load_font(font_path, max(10, int(height * 0.8)))
            draw_panel.text(region[0], line["text"], fill=(0, 0, 0), font=font)
    canvas = Image.new("RGB", (image.width * 2, image.height), "white")
    canvas.paste(boxes, (0, 0))
    canvas.paste(panel, (image.width, 0))
    return canvas


def pdf_pages(data: bytes, dpi: int) -> list:
    """Each page of a PDF as a PIL image at ``dpi``, the resolution the server rendered it at (its ``pdf_dpi``), so
    that its boxes fall in place. Needs pypdfium2; ImportError says so."""
    try:
        import pypdfium2
    except ImportError:
        raise ImportError("drawing PDF pages needs pypdfium2: pip install pypdfium2") from None
    document = pypdfium2.PdfDocument(data)
    try:
        return [document[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(len(document))]
    finally:
        document.close()


def draw_answer(data: bytes, entries: List[dict], font_path: Optional[str], pdf_dpi: int) -> list:
    """What to show for one input's answer: [(title, PIL image)], the image drawn with its entries, or for a PDF each
    page drawn with the entries marked with its ``page``. An entry without a region leaves its image undrawn."""
    from PIL import Image, ImageOps

    if not is_pdf(data):
        import io

        image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
        assert image is not None  # exif_transpose returns an image unless asked to turn it in place
        return [("", draw_result(image, entries, font_path) or image.convert("RGB"))]
    shown = []
    for number, page in enumerate(pdf_pages(data, pdf_dpi), 1):
        on_page = [entry for entry in entries if entry.get("page") == number]
        shown.append(("page %d" % number, draw_result(page, on_page, font_path) or page))
    return shown
