"""The pure parts of reading a page as structure: the order of its regions and its Markdown."""

import numpy as np

from ocr_engine.pipeline import TextLine
from ocr_engine.structure.blocks import Block
from ocr_engine.structure.markdown import join_lines, page_markdown
from ocr_engine.structure.region_order import region_order
from testkit.pages import order_similarity


def test_two_columns_under_a_title_read_column_by_column():
    # Paragraphs of both columns start at the same heights, so a row-by-row order would interleave them.
    labels = ["text", "text", "title", "text", "text", "footer", "header"]
    boxes = [(620, 120, 1100, 200), (40, 120, 560, 200), (40, 40, 1100, 80), (40, 240, 560, 320),
             (620, 240, 1100, 320), (40, 1500, 1100, 1530), (40, 5, 1100, 25)]
    assert region_order(labels, boxes) == [6, 2, 1, 3, 0, 4, 5]


def test_a_wide_region_between_column_sections_splits_them():
    labels = ["text"] * 5
    boxes = [(40, 100, 500, 200), (600, 100, 1000, 200), (40, 300, 1000, 400), (40, 500, 500, 600),
             (600, 500, 1000, 600)]
    assert region_order(labels, boxes) == [0, 1, 2, 3, 4]


def test_one_column_reads_top_to_bottom_whatever_the_indents():
    labels = ["text", "title", "text"]
    boxes = [(80, 300, 900, 400), (40, 100, 700, 150), (40, 200, 880, 280)]
    assert region_order(labels, boxes) == [1, 2, 0]


def test_lines_join_with_hyphens_mended_and_no_space_between_chinese_characters():
    assert join_lines(["The inter-", "national fair", "opens today."]) == "The international fair opens today."
    assert join_lines(["Jean-", "Paul"]) == "Jean- Paul"  # a capital after the hyphen: a name, left as it is
    assert join_lines(["上海市", "愚园路"]) == "上海市愚园路"
    assert join_lines(["Total:", " 385.20 EUR "]) == "Total: 385.20 EUR"


def line(text):
    return TextLine(text, 0.99, np.zeros((4, 2), np.float32))


def test_markdown_has_headings_paragraphs_tables_and_figures_but_no_headers_or_footers():
    blocks = [Block("header", 0.9, (0, 0, 10, 10), [line("Page 3")]),
              Block("title", 0.9, (0, 0, 10, 10), [line("Results")]),
              Block("text", 0.9, (0, 0, 10, 10), [line("Sales rose"), line("again.")]),
              Block("table", 0.9, (0, 0, 10, 10), [line("A")], html="<html><body><table><tr><td>A</td></tr>"
                                                                    "</table></body></html>"),
              Block("figure", 0.9, (0, 0, 10, 10), image="imgs/img_in_figure_box_0_0_10_10.jpg"),
              Block("footer", 0.9, (0, 0, 10, 10), [line("Confidential")])]
    assert page_markdown(blocks) == (
        "## Results\n\nSales rose again.\n\n<table><tr><td>A</td></tr></table>\n\n"
        '<div style="text-align: center;"><img src="imgs/img_in_figure_box_0_0_10_10.jpg" alt="Image" /></div>')


def test_order_similarity_counts_word_edits():
    assert order_similarity(["a", "b", "c", "d"], ["a", "b", "c", "d"]) == 1.0
    assert order_similarity(["c", "d", "a", "b"], ["a", "b", "c", "d"]) == 0.0
    assert order_similarity(["a", "b", "d"], ["a", "b", "c", "d"]) == 0.75
