"""Images with known text, rendered here so that tests can assert on exactly what the service reads."""

from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr_view.drawing import cjk_font, fontconfig  # noqa: F401 (cjk_font: the tests import it from here)

ENGLISH_LINES = ["INVOICE 2024-117", "Total due: 385.20 EUR", "Thank you for your order"]
CHINESE_LINES = ["欢迎光临", "上海市愚园路"]


@dataclass
class RenderedLine:
    text: str
    box: Tuple[int, int, int, int]  # left, top, right, bottom of the drawn glyphs


def latin_font(style: str = "Book") -> str:
    """A sans-serif TrueType font for Latin text (DejaVu Sans ships with fontconfig on Debian); ``style`` e.g.
    "Oblique" (fontconfig falls back to the nearest style the machine has)."""
    path = fontconfig(["fc-match", "-f", "%{file}", "DejaVu Sans:style=%s" % style])
    if not path:
        raise RuntimeError("no TrueType font found: install fonts-dejavu-core")
    return path




def render_lines(
    lines: Sequence[str], font_path: str, size: int = 40, margin: int = 40
) -> Tuple[np.ndarray, List[RenderedLine]]:
    """Black lines of text on white, one under the other; returns the BGR image and where each line was drawn."""
    font = ImageFont.truetype(font_path, size)
    widths = [font.getbbox(text)[2] for text in lines]
    line_height = int(size * 1.8)
    image = Image.new("RGB", (max(widths) + 2 * margin, line_height * len(lines) + 2 * margin), "white")
    draw = ImageDraw.Draw(image)
    placed = []
    for i, text in enumerate(lines):
        origin = (margin, margin + i * line_height)
        draw.text(origin, text, fill="black", font=font)
        placed.append(RenderedLine(text, tuple(int(v) for v in draw.textbbox(origin, text, font=font))))
    return np.asarray(image)[:, :, ::-1].copy(), placed


def crop_line(image: np.ndarray, line: RenderedLine, pad: int = 6) -> np.ndarray:
    """The line's glyph box with a little white around it, as a detector would hand it to the recogniser."""
    left, top, right, bottom = line.box
    return image[max(0, top - pad) : bottom + pad, max(0, left - pad) : right + pad].copy()


def squash(text: str) -> str:
    """Text without spaces: the recogniser often merges or splits spaces between words, never letters."""
    return "".join(text.split())
