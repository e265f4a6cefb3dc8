"""Pages whose reading order is the test (issue 46): columns around a figure, three columns, a sidebar, a caption
under a figure, a full-width title between two sections. Each is HTML that chromium renders (``pages.render_html``)
with its words in the order a person reads them. The figures are drawings without text, so where a figure falls
in the order changes no word; what the page tests is that it does not join the columns it sits between."""

import html as html_lib
import os
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import cv2

from .documents import photos_pdf
from .pages import render_html, words

_STYLE = ("body{margin:0;padding:40px;width:1100px;background:#fff;font-family:'DejaVu Serif',serif;font-size:20px;"
          "line-height:1.5}h1{font-size:34px;margin:0 0 26px}h2{font-size:27px;margin:8px 0 22px}"
          ".cols{display:flex;gap:64px;position:relative}.cols>div{flex:1}p{margin:0 0 22px}"
          ".side{flex:0 0 250px !important;background:#eef1f5;padding:18px 20px;font-size:17px}"
          ".cap{font-family:'DejaVu Sans',sans-serif;font-size:16px;font-style:italic;margin:10px 0 24px}")

# A drawing without text: hills, a sun and a lake, in flat colours (a layout model sees a figure).
_DRAWING = ("<svg width='%d' height='%d' viewBox='0 0 400 260' preserveAspectRatio='none' style='%s'>"
            "<rect width='400' height='260' fill='#8fc3e8'/><circle cx='310' cy='70' r='38' fill='#f6c445'/>"
            "<path d='M0 190 L90 90 L170 170 L250 80 L400 200 L400 260 L0 260 Z' fill='#4d8b4a'/>"
            "<path d='M0 215 Q200 185 400 222 L400 260 L0 260 Z' fill='#2f6db3'/>"
            "<path d='M40 150 L90 90 L140 150 Z' fill='#35683a'/></svg>")

PARAGRAPHS = [
    "Herons wait along the shallow banks at dawn, watching the water for small fish that come up to feed.",
    "When the light grows stronger they move upstream, one slow step after another, and rarely fly far from "
    "the reeds where they sleep.",
    "Local walkers count them each spring and keep the numbers in a notebook at the village library.",
    "Kingfishers are harder to see because they dart past in a flash of blue and orange feathers.",
    "Their nests are dug into sandy walls above the river, often hidden behind roots and long grass, and the "
    "young stay inside for almost a month.",
    "A patient observer sitting quietly on the bridge may still catch one diving for a meal at noon.",
    "Swallows arrive late in April and skim the surface for insects until the evenings turn cold.",
    "Dippers walk straight into the current and search the stones on the riverbed for larvae and snails.",
    "Otters returned to the valley ten years ago after the old mill stopped draining waste into the stream.",
    "Volunteers clear plastic from the gravel bars every autumn so that the birds can rest there in winter.",
    "Grey wagtails nest under the stone arches of the bridge and flick their long tails while they hunt.",
    "Mallards raise their ducklings in the quiet pools near the weir, far from the dogs on the path.",
]


@dataclass(frozen=True)
class ReadingPage:
    """A page to render and the words on it in reading order."""

    name: str
    html: str
    text: Tuple[str, ...]

    def words(self) -> List[str]:
        """The page's words in reading order, as ``pages.words`` splits them."""
        return words(" ".join(self.text))


def _document(body: str) -> str:
    return "<html><head><meta charset='utf-8'><style>%s</style></head><body>%s</body></html>" % (_STYLE, body)


def _paragraphs(texts: Sequence[str]) -> str:
    return "".join("<p>%s</p>" % html_lib.escape(text) for text in texts)


def _figure_between_columns() -> ReadingPage:
    """Two columns, the second paragraph of each wrapping around one drawing that straddles the gutter; the
    columns' paragraphs end at different heights."""
    title = "Birds of the Upper River"
    left, right = PARAGRAPHS[0:3] + PARAGRAPHS[6:7], PARAGRAPHS[3:6]
    # Each column floats an empty box whose top 190 px text may flow over (shape-outside), so that text wraps the
    # drawing, laid over both boxes and the gutter between them.
    hole = ("<div style='float:%s;width:170px;height:430px;shape-outside:inset(190px 0 0 0);"
            "margin-%s:14px'></div>")
    figure = _DRAWING % (392, 240, "position:absolute;left:354px;top:190px")
    body = "<h1>%s</h1><div class='cols'><div>%s%s</div><div>%s%s</div>%s</div>" % (
        title, hole % ("right", "left"), _paragraphs(left), hole % ("left", "right"), _paragraphs(right), figure)
    return ReadingPage("figure between columns", _document(body), (title, *left, *right))


def _three_columns() -> ReadingPage:
    title = "Three Seasons by the Water"
    columns = [PARAGRAPHS[0:2], PARAGRAPHS[2:5], PARAGRAPHS[5:7]]
    body = "<h1>%s</h1><div class='cols' style='gap:48px'>%s</div>" % (
        title, "".join("<div>%s</div>" % _paragraphs(column) for column in columns))
    return ReadingPage("three columns", _document(body), (title, *(p for column in columns for p in column)))


def _sidebar() -> ReadingPage:
    title = "A Walk Along the Weir"
    left, middle = PARAGRAPHS[0:3], PARAGRAPHS[3:5]
    aside = ("Sidebar: what to bring", PARAGRAPHS[9], PARAGRAPHS[11])
    columns = "<div>%s</div><div>%s</div><div class='side'><b>%s</b>%s</div>" % (
        _paragraphs(left), _paragraphs(middle), aside[0], _paragraphs(aside[1:]))
    body = "<h1>%s</h1><div class='cols' style='gap:44px'>%s</div>" % (title, columns)
    return ReadingPage("sidebar", _document(body), (title, *left, *middle, *aside))


def _captioned_figure() -> ReadingPage:
    title = "Counting Herons"
    caption = "Figure 1. The lower valley seen from the bridge in early spring."
    left_top, left_bottom, right = PARAGRAPHS[0:1], PARAGRAPHS[1:3], PARAGRAPHS[3:7]
    figure = "%s<p class='cap'>%s</p>" % (_DRAWING % (500, 280, "display:block"), caption)
    body = "<h1>%s</h1><div class='cols'><div>%s%s%s</div><div>%s</div></div>" % (
        title, _paragraphs(left_top), figure, _paragraphs(left_bottom), _paragraphs(right))
    return ReadingPage("caption under a figure", _document(body), (title, *left_top, caption, *left_bottom, *right))


def _title_between_sections() -> ReadingPage:
    titles = ("Notes from the Riverbank", "The Winter Count")
    first, second = (PARAGRAPHS[0:2], PARAGRAPHS[2:4]), (PARAGRAPHS[6:8], PARAGRAPHS[8:11])
    section = "<div class='cols'><div>%s</div><div>%s</div></div>"
    body = "<h1>%s</h1>%s<h2>%s</h2>%s" % (
        titles[0], section % tuple(_paragraphs(c) for c in first), titles[1],
        section % tuple(_paragraphs(c) for c in second))
    return ReadingPage("full-width title between sections", _document(body),
                       (titles[0], *first[0], *first[1], titles[1], *second[0], *second[1]))


READING_PAGES: List[ReadingPage] = [_figure_between_columns(), _three_columns(), _sidebar(), _captioned_figure(),
                                    _title_between_sections()]


def continued_document() -> List[str]:
    """Three pages (HTML) whose paragraph and table run across the breaks: page 1 ends mid-word ("inter-"), page
    2 goes on ("national ...") and starts a table of ``CONTINUED_ROWS`` rows, page 3 goes on with the table, its
    header printed again, and a closing paragraph."""
    style = _STYLE.replace("width:1100px", "width:760px;min-height:900px") + (
        "table{border-collapse:collapse;width:100%}td{padding:8px 20px;border:2px solid #222}")
    header = "<tr><td>Station</td><td>Herons</td><td>Kingfishers</td></tr>"
    rows = ["<tr><td>Station %d</td><td>%d</td><td>%d</td></tr>" % (i, 3 + i % 7, i % 4) for i in range(1, 21)]

    def page(body: str) -> str:
        return "<html><head><meta charset='utf-8'><style>%s</style></head><body>%s</body></html>" % (style, body)

    return [
        page("<h1>The Spring Count</h1>%s<p>The numbers below were gathered at twenty stations and checked by the "
             "inter-</p>" % _paragraphs(PARAGRAPHS[0:3])),
        page("<p>national survey team before they were printed in this report, and every station was visited "
             "twice, once at dawn and once late in the afternoon, by the same two people.</p>%s<table>%s%s</table>" % (
            _paragraphs(PARAGRAPHS[3:5]), header, "".join(rows[:10]))),
        page("<table>%s%s</table><p>Closing remarks follow on the next page of the report.</p>" % (
            header, "".join(rows[10:]))),
    ]


CONTINUED_ROWS = 21  # the header and twenty stations


def continued_pdf(folder: str) -> bytes:
    """``continued_document`` rendered, as a PDF of three pages (their images kept in ``folder``)."""
    paths = []
    for number, image in enumerate(render_html(continued_document())):
        paths.append(os.path.join(folder, "continued-%d.png" % number))
        cv2.imwrite(paths[-1], image)
    return photos_pdf(paths)
