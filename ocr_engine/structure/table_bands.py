"""A table taller than the table model reads well, read in horizontal bands and joined again.

SLANet_plus scales a table to 488 px on its long side: past about 20 rows, rows are too thin for it (TEDS 0.99 at
20 rows, 0.73 at 60, 0.08 at 150 on the tests' rendered tables, the rows collapsing to a few dozen). So a table of
more than ``BAND_ROWS`` rows of text is cut between rows (on a ruling where the gap has one, else in the middle of
the blank between the lines) into bands of at most that many rows, each band is read as a table of its own, with
white above and below it as a whole table has, and the bands' rows are joined into one table."""

import math
from typing import Callable, List, Sequence, Tuple

import cv2
import numpy as np

from ..stages.geometry import Box
from ..stages.table import TableStructure

# The most rows of text one band holds (the tests' tables: TEDS 0.99 read whole at 20 rows).
BAND_ROWS = 20
# A row of pixels in a gap is part of a ruling when this share of it, across the table, is dark.
RULING_SHARE = 0.5
# How far (in rows) a cut may move from an even split to land in a wider or ruled gap.
CUT_SLACK = 2

Gap = Tuple[float, float]  # the blank between two rows of text: (bottom of the upper row, top of the lower)


def text_rows(boxes: Sequence[Box]) -> List[Tuple[float, float]]:
    """The rows of text of a table, top to bottom, as (top, bottom): lines (rectangles x1, y1, x2, y2) that
    overlap vertically by half the lower one's height or more share a row."""
    rows: List[List[float]] = []
    for _, top, _, bottom in sorted(boxes, key=lambda box: box[1]):
        if rows and min(rows[-1][1], bottom) - top >= 0.5 * (bottom - top):
            rows[-1][1] = max(rows[-1][1], bottom)
        else:
            rows.append([top, bottom])
    return [(top, bottom) for top, bottom in rows]


def band_gaps(rows: Sequence[Tuple[float, float]], ruled: Callable[[Gap], bool], band_rows: int = BAND_ROWS
              ) -> List[Gap]:
    """The gaps between rows to cut the table at, top to bottom, so that no band holds more than ``band_rows``
    rows: near an even split, the gap ``ruled`` says has a ruling, else the widest."""
    if len(rows) <= band_rows:
        return []
    bands = math.ceil(len(rows) / band_rows)
    cuts: List[int] = []  # a cut after row index i
    for k in range(1, bands):
        even = round(k * len(rows) / bands) - 1
        last = cuts[-1] if cuts else -1
        # candidates that leave every band, this one and those after it, within band_rows
        choices = [i for i in range(even - CUT_SLACK, even + CUT_SLACK + 1)
                   if last < i < len(rows) - 1 and i - last <= band_rows
                   and len(rows) - 1 - i <= band_rows * (bands - k)] or [even]
        gaps = {i: (rows[i][1], rows[i + 1][0]) for i in choices}
        cuts.append(max(choices, key=lambda i: (ruled(gaps[i]), gaps[i][1] - gaps[i][0], -abs(i - even))))
    return [(rows[i][1], rows[i + 1][0]) for i in cuts]


def ruling_in(gray: np.ndarray, gap: Gap) -> Tuple[int, int]:
    """The rows of pixels (first, last) of the topmost horizontal ruling in ``gap`` of a grey table image (a run of
    rows at least ``RULING_SHARE`` dark across), or (-1, -1) when the gap has none."""
    top, bottom = int(math.ceil(gap[0])), int(math.floor(gap[1]))
    if bottom <= top:
        return -1, -1
    dark = (gray[top:bottom] < 128).mean(axis=1) >= RULING_SHARE
    if not dark.any():
        return -1, -1
    first = last = top + int(np.argmax(dark))
    while last + 1 < bottom and dark[last + 1 - top]:
        last += 1
    return first, last


def read_in_bands(read: Callable[[np.ndarray], TableStructure], table: np.ndarray, boxes: Sequence[Box],
                  margin: int) -> TableStructure:
    """The structure of the BGR ``table`` image (its text lines at ``boxes``, in its pixels), by ``read`` on the
    whole image, or, for a table of more than ``BAND_ROWS`` rows, on each band with ``margin`` white pixels above
    and below, joined."""
    gray = cv2.cvtColor(table, cv2.COLOR_BGR2GRAY) if table.ndim == 3 else table
    gaps = band_gaps(text_rows(boxes), lambda gap: ruling_in(gray, gap)[0] >= 0)
    if not gaps:
        return read(table)
    # Each cut: where the band above ends and the one below starts (a ruling goes to both, as each band's border).
    edges: List[Tuple[int, int]] = []
    for gap in gaps:
        first, last = ruling_in(gray, gap)
        middle = int(round((gap[0] + gap[1]) / 2))
        edges.append((last + 1, first) if first >= 0 else (middle, middle))
    starts = [0] + [start for _, start in edges]
    ends = [end for end, _ in edges] + [table.shape[0]]
    structures, offsets = [], []
    for index, (start, end) in enumerate(zip(starts, ends)):
        top = 0 if index == 0 else margin
        bottom = 0 if index == len(ends) - 1 else margin
        band = cv2.copyMakeBorder(table[start:end], top, bottom, 0, 0, cv2.BORDER_CONSTANT, value=(255, 255, 255))
        structures.append(read(band))
        offsets.append(start - top)
    return joined(structures, offsets)


def joined(structures: Sequence[TableStructure], offsets: Sequence[float]) -> TableStructure:
    """Bands' structures as one table: their rows in order, each band's cells moved down by its offset."""
    tokens = [token for structure in structures for token in structure.tokens]
    cells = [structure.cells.reshape(-1, 8) + np.array([0, offset] * 4, dtype=np.float32)
             for structure, offset in zip(structures, offsets)]
    return TableStructure(tokens, np.concatenate(cells) if cells else np.zeros((0, 8), np.float32))
