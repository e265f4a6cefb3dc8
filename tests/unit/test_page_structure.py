"""The pure parts of reading a page as structure: the order of its regions and its Markdown."""

import numpy as np

from ocr_engine.pipeline import TextLine
from ocr_engine.structure.blocks import Block
from ocr_engine.structure.markdown import heading_levels, join_lines, page_markdown, title_levels
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


def test_a_figure_across_the_gutter_does_not_join_the_columns():
    # Paragraphs wrap the figure at different heights in each column; the figure's box reaches into both.
    labels = ["title", "text", "text", "text", "text", "text", "figure", "text"]
    boxes = [(40, 50, 500, 80), (40, 120, 540, 200), (40, 235, 540, 285), (40, 290, 365, 570),
             (620, 120, 1100, 175), (620, 205, 1100, 285), (385, 305, 790, 550), (805, 315, 1110, 425)]
    assert region_order(labels, boxes) == [0, 1, 2, 3, 4, 5, 6, 7]


def test_three_columns_under_a_title_narrower_than_the_page():
    labels = ["text", "title", "text", "text", "text"]
    boxes = [(420, 119, 750, 480), (40, 50, 570, 80), (35, 122, 385, 440), (800, 120, 1110, 230),
             (800, 265, 1140, 345)]
    assert region_order(labels, boxes) == [1, 2, 0, 3, 4]


def test_a_sidebar_is_read_after_the_columns_beside_it():
    labels = ["title", "text", "text", "text", "text", "text", "text"]
    boxes = [(40, 50, 470, 85), (870, 130, 1120, 160), (870, 165, 1120, 380), (40, 120, 390, 200),
             (440, 120, 800, 200), (40, 230, 390, 455), (440, 235, 800, 370)]
    assert region_order(labels, boxes) == [0, 3, 5, 4, 6, 1, 2]


def test_captions_go_with_their_figure_or_table_where_it_interrupts_the_column():
    labels = ["text", "figure", "figure_caption", "text", "text", "table_caption", "table", "text"]
    boxes = [(40, 120, 540, 200), (40, 225, 540, 510), (40, 520, 540, 540), (40, 575, 540, 650),
             (620, 120, 1100, 200), (620, 230, 1100, 250), (620, 260, 1100, 500), (620, 530, 1100, 600)]
    assert region_order(labels, boxes) == [0, 1, 2, 3, 4, 5, 6, 7]
    # A caption across the gutter under a figure across it: both out of the cut, the columns read whole.
    labels = ["text", "text", "figure", "figure_caption", "text", "text"]
    boxes = [(40, 120, 540, 300), (620, 120, 1100, 300), (380, 320, 800, 500), (380, 510, 800, 530),
             (40, 560, 540, 700), (620, 560, 1100, 700)]
    assert region_order(labels, boxes) == [0, 2, 3, 4, 1, 5]


def test_a_title_with_nothing_beside_it_starts_a_section_and_a_column_subheading_does_not():
    labels = ["title", "text", "text", "text", "title", "text", "text", "text"]
    boxes = [(40, 50, 540, 80), (40, 120, 540, 315), (620, 120, 1110, 255), (620, 205, 1100, 255),
             (40, 355, 310, 380), (40, 420, 540, 545), (620, 420, 1110, 495), (620, 530, 1130, 660)]
    assert region_order(labels, boxes) == [0, 1, 2, 3, 4, 5, 6, 7]
    # The same subheading with the right column's paragraph beside it belongs to the left column.
    boxes[6] = (620, 300, 1110, 495)
    assert region_order(labels, boxes) == [0, 1, 4, 5, 2, 3, 6, 7]


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


def test_titles_take_levels_by_size_the_one_largest_the_documents():
    # text of size 20: a title of 34, section titles of 27 and 26, a subheading of 22
    assert heading_levels([34, 27, 22, 26, 27], 20) == [1, 2, 3, 2, 2]
    # two titles of the largest size: neither is the document's
    assert heading_levels([34, 34, 22], 20) == [2, 2, 3]
    # a title no larger than the text is no document title; sizes past the third level stay there
    assert heading_levels([21, 16, 12], 20) == [2, 3, 3]
    assert heading_levels([0, 30], 0) == [2, 2]


def test_title_levels_are_judged_over_every_page_of_a_document():
    def sized(label, text, size):  # a line of ``size`` pixels a character
        width = size * len(text)
        quad = np.array([[0, 0], [width, 0], [width, 2 * size], [0, 2 * size]], np.float32)
        return Block(label, 0.9, (0, 0, width, 2 * size), [TextLine(text, 0.99, quad)])

    first = [sized("title", "Annual Report", 20), sized("text", "Sales rose.", 10)]
    second = [sized("title", "Outlook", 16), sized("text", "More to come.", 10)]
    levels = title_levels([first, second])
    assert page_markdown(second, levels=levels).startswith("## Outlook")  # not the document's title: page 1's is
    assert page_markdown(first, levels=levels).startswith("# Annual Report")
    assert page_markdown(second).startswith("# Outlook")  # read alone, page 2's title is its largest


def test_order_similarity_counts_word_edits():
    assert order_similarity(["a", "b", "c", "d"], ["a", "b", "c", "d"]) == 1.0
    assert order_similarity(["c", "d", "a", "b"], ["a", "b", "c", "d"]) == 0.0
    assert order_similarity(["a", "b", "d"], ["a", "b", "c", "d"]) == 0.75
