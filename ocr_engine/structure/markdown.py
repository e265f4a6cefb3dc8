"""A page's blocks as Markdown: titles as headings of their level, paragraphs joined (a word hyphenated across a
line end mended), tables as HTML, figures as image references; headers and footers left out, as PaddleX's Markdown
leaves them.

The layout model labels every title alike (CDLA's ``title``), so a title's level is read from its type's size (a
line's length per character): the one title clearly larger than all others and than the text is the document's
(``#``), the next size down ``##``, any smaller ``###``, judged over all the pages read together."""

import re
import statistics
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np

from .blocks import FOOTER, HEADER, TEXT, TITLE, Block

# The labels whose blocks Markdown leaves out (they stay in the blocks themselves).
LEFT_OUT = (HEADER, FOOTER)
# Title sizes within this share of each other are one size; the document's title is at least DOCUMENT_TITLE times
# the text's size; levels go no deeper than DEEPEST.
SAME_SIZE = 0.12
DOCUMENT_TITLE = 1.25
DEEPEST = 3
# A line (or a page) ending in a word broken by a hyphen: a lower-case letter, then the hyphen.
BROKEN_WORD = re.compile(r"[a-zà-ÿ]-$")
# A character of a script written without spaces between words: lines of it join without a space.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def page_markdown(blocks: Sequence[Block], left_out: Sequence[str] = LEFT_OUT,
                  levels: Optional[Mapping[int, int]] = None) -> str:
    """The Markdown of one page's blocks, given in reading order, without those labelled one of ``left_out``;
    titles at ``levels`` (``title_levels``' of the document; by default, of this page alone)."""
    levels = title_levels([blocks]) if levels is None else levels
    parts: List[str] = []
    for block in blocks:
        if block.label in left_out:
            continue
        if block.html is not None:
            parts.append(table_only(block.html))
        elif block.image is not None:
            parts.append('<div style="text-align: center;"><img src="%s" alt="Image" /></div>' % block.image)
            if block.texts:
                parts.append(join_lines(block.texts))
        elif block.texts:
            heading = "#" * levels.get(id(block), 2) + " " if block.label == TITLE else ""
            parts.append(heading + join_lines(block.texts))
    return "\n\n".join(parts)


def title_levels(pages: Sequence[Sequence[Block]]) -> Dict[int, int]:
    """Each title block's heading level (1 to ``DEEPEST``), keyed by ``id(block)``, over the pages of one
    document, from its type's size against the text's."""
    titles = [block for blocks in pages for block in blocks if block.label == TITLE and block.lines]
    text = [_size(block) for blocks in pages for block in blocks if block.label == TEXT and block.lines]
    levels = heading_levels([_size(block) for block in titles], statistics.median(text) if text else 0.0)
    return {id(block): level for block, level in zip(titles, levels)}


def heading_levels(heights: Sequence[float], text: float) -> List[int]:
    """The level of titles of type ``heights`` large (``_size``) on pages whose text's is ``text``: sizes
    within ``SAME_SIZE`` of each other share a level, the largest size 1 when it is one title at least
    ``DOCUMENT_TITLE`` times the text, else 2, each smaller size one deeper, down to ``DEEPEST``. Titles of unknown
    size (0) are level 2."""
    sizes: List[float] = []  # the largest of each size, largest first
    for height in sorted((h for h in heights if h > 0), reverse=True):
        if not sizes or height < (1 - SAME_SIZE) * sizes[-1]:
            sizes.append(height)
    if not sizes:
        return [2] * len(heights)
    biggest = [h for h in heights if h >= (1 - SAME_SIZE) * sizes[0]]
    first = 1 if len(biggest) == 1 and text > 0 and sizes[0] >= DOCUMENT_TITLE * text else 2

    def level(height: float) -> int:
        if height <= 0:
            return 2
        rank = next(k for k, size in enumerate(sizes) if height >= (1 - SAME_SIZE) * size)
        return min(first + rank, DEEPEST)

    return [level(h) for h in heights]


def _size(block: Block) -> float:
    """How large a block's type is: the median, over its lines, of a line's length per character, in pixels (a
    steadier measure than the lines' heights, which ascenders, descenders and the detector's margins shift by a
    quarter)."""
    return statistics.median(float(np.linalg.norm(line.region[1] - line.region[0])) / max(1, len(line.text))
                             for line in block.lines)


def join_lines(texts: Sequence[str]) -> str:
    """Lines of one paragraph as one: a space between words, none between characters of unspaced scripts, and a
    word broken by a hyphen at a line's end joined again ("inter-" + "national" -> "international")."""
    joined = ""
    for text in (t.strip() for t in texts):
        if not text:
            continue
        if not joined:
            joined = text
        elif BROKEN_WORD.search(joined) and text[0].islower():
            joined = joined[:-1] + text
        elif _UNSPACED.match(joined[-1]) and _UNSPACED.match(text[0]):
            joined += text
        else:
            joined += " " + text
    return joined


def table_only(html: str) -> str:
    """The ``<table>...</table>`` of an HTML document (the matcher wraps it in html and body)."""
    match = re.search(r"<table.*</table>", html, re.S)
    return match.group(0) if match else html
