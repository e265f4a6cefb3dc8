"""A document's pages mended across their breaks: isStart / isEnd from the text, tables joined, hyphenated words
made whole."""

import pytest

from ocr_engine.structure.document import continuation, mended_across_pages

TABLE_END = "## Stock\n\n<table><tr><td>Item</td><td>Qty</td></tr><tr><td>Pens</td><td>12</td></tr></table>"


@pytest.mark.parametrize("markdown, flags", [
    ("## Title\n\nA whole paragraph.", (True, True)),
    ("the rest of a sentence.\n\nAnother one that goes", (False, False)),
    ("上海的天气很好。", (True, True)),
    ("上海的天气", (True, False)),
    (TABLE_END, (True, True)),
    ("", (True, True)),
])
def test_a_page_starts_and_ends_where_its_text_says(markdown, flags):
    assert continuation(markdown) == flags


def test_a_table_going_on_on_the_next_page_is_joined_and_a_repeated_header_dropped():
    following = "<table><tr><td>Item</td><td>Qty</td></tr><tr><td>Ink</td><td>2</td></tr></table>\n\nAfter."
    first, second = mended_across_pages([TABLE_END, following])
    assert first == ("## Stock\n\n<table><tr><td>Item</td><td>Qty</td></tr><tr><td>Pens</td><td>12</td></tr>"
                     "<tr><td>Ink</td><td>2</td></tr></table>")
    assert second == "After."
    # without the header again, every row is kept
    first, _ = mended_across_pages([TABLE_END, "<table><tr><td>Ink</td><td>2</td></tr></table>"])
    assert first.endswith("<tr><td>Pens</td><td>12</td></tr><tr><td>Ink</td><td>2</td></tr></table>")


def test_tables_of_other_columns_or_with_text_between_stay_apart_and_merging_can_be_refused():
    other = "<table><tr><td colspan=\"2\">Total</td><td>3</td></tr></table>"
    assert mended_across_pages([TABLE_END, other]) == [TABLE_END, other]
    notes = TABLE_END + "\n\nNotes."
    assert mended_across_pages([notes, TABLE_END[10:]]) == [notes, TABLE_END[10:]]
    assert mended_across_pages([TABLE_END, TABLE_END[10:]], merge_tables=False) == [TABLE_END, TABLE_END[10:]]


def test_a_word_hyphenated_across_the_break_is_made_whole_on_the_first_page():
    pages = mended_across_pages(["The fair is inter-", "national this year.\n\n## Next"])
    assert pages == ["The fair is international", "this year.\n\n## Next"]
    assert continuation(pages[0]) == (True, False) and continuation(pages[1]) == (False, True)
    # a capital after the break (a name) or a heading before it is left alone
    assert mended_across_pages(["Jean-", "Paul went."]) == ["Jean-", "Paul went."]
    assert mended_across_pages(["## Pre-", "war years"]) == ["## Pre-", "war years"]
