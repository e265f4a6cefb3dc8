"""A document's pages' Markdown, page by page as PaddleX answers it, with what runs across a page break mended:
a table that goes on at the top of the next page joined into the first page's table (``mergeTables``, as
PaddleOCR-VL names it), a word hyphenated across the break made whole on the first page, and each page's
``isStart`` / ``isEnd`` true to its text, so that PaddleX's ``concatenate_markdown_pages`` joins a paragraph cut by
the break into one."""

import re
from typing import List, Optional, Sequence, Tuple

from .markdown import BROKEN_WORD

# A paragraph ending in one of these has ended; one that does not goes on (on the next page).
ENDINGS = tuple(".!?:;\"'”’)]»…。！？；：）」』")
_TABLE_START = re.compile(r"^<table[^>]*>", re.S)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)


def continuation(markdown: str) -> Tuple[bool, bool]:
    """(isStart, isEnd) of a page's Markdown: whether its first paragraph starts there (not when it begins with a
    lower-case letter, the rest of a sentence) and whether its last one ends there (not when it is text that
    stops without a sentence's end). Headings, tables and figures start and end where they are."""
    parts = [part for part in markdown.split("\n\n") if part.strip()]
    if not parts:
        return True, True
    first, last = parts[0].strip(), parts[-1].strip()
    starts = not (_is_text(first) and first[0].islower())
    ends = not _is_text(last) or last.endswith(ENDINGS)
    return starts, ends


def _is_text(paragraph: str) -> bool:
    return not paragraph.startswith(("#", "<"))


def mended_pages(markdowns: Sequence[str], merge_tables: bool = True) -> List[Tuple[str, bool, bool]]:
    """Each page's Markdown mended across the breaks (``mended_across_pages``), with its (isStart, isEnd)
    (``continuation``): what a page's ``markdown`` answers."""
    return [(text, *continuation(text)) for text in mended_across_pages(markdowns, merge_tables)]


def mended_across_pages(markdowns: Sequence[str], merge_tables: bool = True) -> List[str]:
    """Each page's Markdown, with a table continued at the top of the next page joined into the one at the bottom
    of this page (when ``merge_tables``) and a word hyphenated at the break made whole on this page."""
    pages = list(markdowns)
    for k in range(len(pages) - 1):
        if merge_tables:
            pages[k], pages[k + 1] = _tables_joined(pages[k], pages[k + 1])
        pages[k], pages[k + 1] = _hyphen_mended(pages[k], pages[k + 1])
    return pages


def _tables_joined(this: str, following: str) -> Tuple[str, str]:
    """A table ending ``this`` page and one starting the ``following``, of as many columns, as one table on
    ``this`` page (the next page's first row left out where it repeats the header)."""
    head = _TABLE_START.match(following.lstrip())
    if not (this.rstrip().endswith("</table>") and head):
        return this, following
    body = following.lstrip()
    end = body.find("</table>")
    if end < 0:
        return this, following
    start = this.rfind("<table")
    earlier, later = _ROW.findall(this[start:]), _ROW.findall(body[:end])
    if not earlier or not later or _columns(earlier[0]) != _columns(later[0]):
        return this, following
    rows = body[head.end():end]
    if _cells(later[0]) == _cells(earlier[0]):  # the header printed again on the new page
        rows = rows[rows.find("</tr>") + len("</tr>"):]
    joined = this.rstrip()[:-len("</table>")] + rows + "</table>"
    return joined, body[end + len("</table>"):].lstrip("\n")


def _cells(row: str) -> List[str]:
    return [re.sub(r"<[^>]*>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _columns(row: str) -> int:
    spans = [int(span) if span else 1 for span in re.findall(r"<td(?:[^>]*colspan=\"?(\d+))?[^>]*>", row)]
    return sum(spans)


def _hyphen_mended(this: str, following: str) -> Tuple[str, str]:
    """``this`` page ending in a word broken by a hyphen ("inter-") and the ``following`` page's text going on
    with the rest of it ("national ..."): the word whole on this page."""
    stripped = this.rstrip()
    rest = _word_going_on(following)
    if rest is None or not BROKEN_WORD.search(stripped) or not _is_text(stripped.split("\n\n")[-1]):
        return this, following
    word, remainder = rest
    return stripped[:-1] + word, remainder


def _word_going_on(markdown: str) -> Optional[Tuple[str, str]]:
    """(the first word, the text after it) of a page that starts with the rest of a sentence, else None."""
    match = re.match(r"\s*([a-zà-ÿ]\S*)\s*", markdown)
    return (match.group(1), markdown[match.end():]) if match else None
