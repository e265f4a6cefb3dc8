"""A page's blocks as Markdown: titles as headings, paragraphs joined (a word hyphenated across a line end mended),
tables as HTML, figures as image references; headers and footers left out, as PaddleX's Markdown leaves them."""

import re
from typing import List, Sequence

from .blocks import FOOTER, HEADER, TITLE, Block

# The labels whose blocks Markdown leaves out (they stay in the blocks themselves).
LEFT_OUT = (HEADER, FOOTER)
HEADINGS = {TITLE: "## "}
# A character of a script written without spaces between words: lines of it join without a space.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def page_markdown(blocks: Sequence[Block], left_out: Sequence[str] = LEFT_OUT) -> str:
    """The Markdown of one page's blocks, given in reading order, without those labelled one of ``left_out``."""
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
            parts.append(HEADINGS.get(block.label, "") + join_lines(block.texts))
    return "\n\n".join(parts)


def join_lines(texts: Sequence[str]) -> str:
    """Lines of one paragraph as one: a space between words, none between characters of unspaced scripts, and a
    word broken by a hyphen at a line's end joined again ("inter-" + "national" -> "international")."""
    joined = ""
    for text in (t.strip() for t in texts):
        if not text:
            continue
        if not joined:
            joined = text
        elif re.search(r"[a-zà-ÿ]-$", joined) and text[0].islower():
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
