"""A tall table read in bands: its rows of text, where it is cut, the rulings found, and the bands joined again."""

import numpy as np

from ocr_engine.stages.table import TableStructure
from ocr_engine.structure.table_bands import band_gaps, joined, read_in_bands, ruling_in, text_rows

ROW = 40  # pixels a row of the synthetic table


def ruled_table(rows: int) -> np.ndarray:
    """A white table image of ``rows`` rows, a 2 px black ruling under each row, and a text box's worth of grey
    in each row."""
    image = np.full((rows * ROW + 20, 300, 3), 255, np.uint8)
    for r in range(rows):
        top = 10 + r * ROW
        image[top + 12:top + 28, 20:120] = 150  # "text"
        image[top + ROW - 2:top + ROW] = 0  # ruling
    return image


def line_boxes(rows: int):
    """Two lines of text a row (two cells), as rectangles."""
    return [(x, 10 + r * ROW + 12, x + 100, 10 + r * ROW + 28) for r in range(rows) for x in (20, 160)]


def test_lines_side_by_side_make_one_row_and_lines_below_another():
    boxes = [(0, 10, 50, 30), (60, 12, 120, 31), (0, 50, 50, 70), (0, 72, 50, 90)]
    assert text_rows(boxes) == [(10, 31), (50, 70), (72, 90)]


def test_a_table_of_few_rows_is_not_cut_and_a_tall_one_into_bands_of_at_most_twenty():
    rows = [(10 + r * ROW, 30 + r * ROW) for r in range(150)]
    assert band_gaps(rows[:20], lambda gap: False) == []
    gaps = band_gaps(rows, lambda gap: False)
    assert len(gaps) == 7  # 8 bands
    cuts = [0] + [next(i for i, row in enumerate(rows) if row[0] >= gap[1]) for gap in gaps] + [150]
    assert all(0 < b - a <= 20 for a, b in zip(cuts, cuts[1:])), cuts


def test_a_cut_moves_to_a_ruled_gap_near_the_even_split():
    rows = [(10 + r * ROW, 30 + r * ROW) for r in range(30)]
    ruled_after = 16
    gaps = band_gaps(rows, lambda gap: gap == (rows[ruled_after][1], rows[ruled_after + 1][0]))
    assert gaps == [(rows[ruled_after][1], rows[ruled_after + 1][0])]


def test_the_ruling_in_a_gap_is_found_and_a_blank_gap_has_none():
    image = ruled_table(3)[:, :, 0]
    assert ruling_in(image, (38.0, 62.0)) == (48, 49)
    blank = np.full((100, 300), 255, np.uint8)
    assert ruling_in(blank, (10.0, 90.0)) == (-1, -1)


def test_bands_are_read_with_white_above_and_below_and_their_cells_put_back_in_place():
    table = ruled_table(45)
    bands = []

    def read(band: np.ndarray) -> TableStructure:
        bands.append(band)
        # one cell over the band's first row of text, as the band's own pixels place it
        first = int(np.argmax((band[:, 20:120, 0] == 150).any(axis=1)))
        return TableStructure(["<tr>", "<td></td>", "</tr>"],
                              np.array([[20, first, 120, first, 120, first + 16, 20, first + 16]], np.float32))

    structure = read_in_bands(read, table, line_boxes(45), margin=10)
    assert len(bands) == 3  # 45 rows: 15 a band
    assert all((band[:10] == 255).all() for band in bands[1:]) and all((band[-10:] == 255).all() for band in bands[:-1])
    assert all((band[10:12] == 0).all() for band in bands[1:])  # each band below a cut starts with the ruling
    assert structure.tokens == ["<tr>", "<td></td>", "</tr>"] * 3
    # the cells land on rows 0, 15 and 30 of the whole table
    assert [int(y) for y in structure.cells[:, 1]] == [10 + 12, 10 + 15 * ROW + 12, 10 + 30 * ROW + 12]


def test_joined_bands_keep_their_order_and_move_their_cells_down():
    one = TableStructure(["<tr>", "<td></td>", "</tr>"], np.zeros((1, 8), np.float32))
    two = TableStructure(["<tr>", "<td></td>", "<td></td>", "</tr>"], np.ones((2, 8), np.float32))
    both = joined([one, two], [0, 100])
    assert both.tokens == one.tokens + two.tokens
    assert both.cells[:, 1].tolist() == [0, 101, 101] and both.cells[:, 0].tolist() == [0, 1, 1]
